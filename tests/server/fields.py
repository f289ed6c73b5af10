"""Field parsers that reproduce Django REST framework's coercion and messages.

Each parser takes the raw JSON value and returns the cleaned value or raises
FieldError with the list of messages DRF would put under the field name.
"""

import uuid
from datetime import timezone

# The collection's own checks for emails and instants, from this checkout, so that this server and the modules
# judge them with the same code and cannot drift apart. The repository root is on sys.path under pytest
# (pytest.ini) and for `python -m tests.server` run from it; plugins/ has no __init__.py and imports as a
# namespace package.
from plugins.module_utils import emails, instants

REQUIRED = "This field is required."
NOT_NULL = "This field may not be null."
NOT_BLANK = "This field may not be blank."
NOT_DICT = "Value must be a dictionary, and not have any duplicate keys."
DATETIME_FORMAT = "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]"
DATETIME_WRONG_FORMAT = f"Datetime has wrong format. Use one of these formats instead: {DATETIME_FORMAT}."
DATETIME_OVERFLOW = "Datetime value out of range."
INVALID_EMAIL = "Enter a valid email address."
NULL_CHARACTERS = "Null characters are not allowed."
SURROGATE_CHARACTER = "Surrogate characters are not allowed: U+{:X}."

# DRF BooleanField accepts these spellings besides real booleans.
# (1 == True and 0 == 0.0 == False in a set, so the numbers stand for the booleans too.)
_TRUE = {"t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE",
         "on", "On", "ON", "1", 1}
_FALSE = {"f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE",
          "off", "Off", "OFF", "0", 0}


class FieldError(Exception):
    """Validation failure for one field; carries DRF's message list."""

    def __init__(self, *messages):
        super().__init__(messages[0])
        self.messages = list(messages)


def char(value, *, allow_blank=False, max_length=None):
    """CharField: numbers are stringified and surrounding whitespace trimmed."""
    if value is None:
        raise FieldError(NOT_NULL)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise FieldError("Not a valid string.")
    text = str(value).strip()
    if text == "" and not allow_blank:
        raise FieldError(NOT_BLANK)
    if max_length is not None and len(text) > max_length:
        raise FieldError(f"Ensure this field has no more than {max_length} characters.")
    return text


def boolean(value):
    if value is None:
        raise FieldError(NOT_NULL)
    try:
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
    except TypeError:  # unhashable values such as lists
        pass
    raise FieldError("Must be a valid boolean.")


def json_dict(value):
    if value is None:
        raise FieldError(NOT_NULL)
    if not isinstance(value, dict):
        raise FieldError(NOT_DICT)
    return value


def choice(value, choices):
    if value is None:
        raise FieldError(NOT_NULL)
    if value == "" or str(value) not in choices:
        raise FieldError(f'"{value}" is not a valid choice.')
    return str(value)


def email(value):
    """authentik's EmailField: CharField coercion and trimming, blank allowed (the model has blank=True), then
    the checks of plugins/module_utils/emails.py, reported with DRF's messages in DRF's order (max length, NUL
    characters, surrogate characters, Django's EmailValidator)."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, (str, int, float))):
        raise FieldError(INVALID_EMAIL)  # EmailField's "invalid" message replaces CharField's "Not a valid string."
    text = char(value, allow_blank=True)
    if emails.email_problem(text) is None:
        return text
    errors = []
    if len(text) > emails.EMAIL_MAX:
        errors.append(f"Ensure this field has no more than {emails.EMAIL_MAX} characters.")
    if "\x00" in text:
        errors.append(NULL_CHARACTERS)
    surrogates = [letter for letter in text if "\ud800" <= letter <= "\udfff"]
    if surrogates:
        errors.append(SURROGATE_CHARACTER.format(ord(surrogates[0])))
    if not is_valid_email(text):
        errors.append(INVALID_EMAIL)
    raise FieldError(*errors)


def is_valid_email(text):
    """Django's EmailValidator on text as it is (email() checks the model field's length limit)."""
    return emails.address_problem(text) is None


def parse_datetime(value):
    """DRF's DateTimeField as authentik has it (TIME_ZONE=UTC): the aware UTC datetime, or None when refused."""
    return instants.parse_instant(value)


def nullable_datetime(value):
    if value is None:
        return None
    parsed, code = instants.read_instant(value)
    if code == instants.OVERFLOW:
        raise FieldError(DATETIME_OVERFLOW)
    if parsed is None:
        raise FieldError(DATETIME_WRONG_FORMAT)
    return parsed


def format_datetime(value):
    """Render like DRF: isoformat in UTC with the +00:00 suffix written as Z."""
    if value is None:
        return None
    text = value.astimezone(timezone.utc).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def related_list(value, lookup):
    """Many PrimaryKeyRelatedField: a list of keys, each resolved with lookup().

    lookup(item) returns the stored key or raises FieldError. The first bad item
    aborts, as DRF does.
    """
    if value is None:
        raise FieldError(NOT_NULL)
    if isinstance(value, (str, dict)) or not hasattr(value, "__iter__"):
        raise FieldError(f'Expected a list of items but got type "{type(value).__name__}".')
    return [lookup(item) for item in value]


def uuid_key(item, existing):
    """Resolve a UUID primary key the way Django's UUIDField.to_python does."""
    if isinstance(item, bool):
        raise FieldError("Incorrect type. Expected pk value, received bool.")
    if item is None:
        raise FieldError('Invalid pk "None" - object does not exist.')
    try:
        key = str(uuid.UUID(int=item) if isinstance(item, int) else uuid.UUID(item))
    except (AttributeError, TypeError, ValueError):
        raise FieldError(f"\u201c{item}\u201d is not a valid UUID.") from None
    if key not in existing:
        raise FieldError(f'Invalid pk "{key}" - object does not exist.')
    return key


def int_key(item, existing):
    """Resolve an integer primary key (strings of digits are accepted by the ORM)."""
    if isinstance(item, bool) or not isinstance(item, (int, str)):
        raise FieldError(f"Incorrect type. Expected pk value, received {type(item).__name__}.")
    try:
        key = int(item)
    except ValueError:
        raise FieldError(f"Incorrect type. Expected pk value, received {type(item).__name__}.") from None
    if key not in existing:
        raise FieldError(f'Invalid pk "{item}" - object does not exist.')
    return key


def user_path(value):
    text = char(value)
    if text[:1] == "/" or text[-1] == "/":
        raise FieldError("No leading or trailing slashes allowed.")
    if any(segment == "" for segment in text.split("/")):
        raise FieldError("No empty segments in user path allowed.")
    return text
