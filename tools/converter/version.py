"""The converter's version, as --version prints it and model.json's convertedBy records it."""

VERSION = "0.1.0"
CONVERTED_BY = f"rules_tfjs converter {VERSION}"
