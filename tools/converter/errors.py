"""The one exception type a conversion raises for problems the user can fix."""


class ConversionError(Exception):
    """A conversion failed because of its input or flags; ``str()`` is one line for the user."""


def one_line(exception: BaseException) -> str:
    """``exception``'s message on one line: its first line, and the next one when the first only
    introduces it (ends with ':'), as Keras's "could not be loaded. Example error message ...:".
    A KeyError's message is shown without the quotes its str() adds (h5py raises them too)."""
    text = exception.args[0] if isinstance(exception, KeyError) and exception.args else exception
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    if not lines:
        return type(exception).__name__
    if lines[0].endswith(":") and len(lines) > 1:
        return f"{lines[0]} {lines[1]}"
    return lines[0]
