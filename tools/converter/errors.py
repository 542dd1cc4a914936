"""The one exception type a conversion raises for problems the user can fix."""


class ConversionError(Exception):
    """A conversion failed because of its input or flags; ``str()`` is one line for the user."""
