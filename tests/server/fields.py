"""Field parsers that reproduce Django REST framework's coercion and messages.

Each parser takes the raw JSON value and returns the cleaned value or raises
FieldError with the list of messages DRF would put under the field name.
"""

import re
import uuid
from datetime import datetime, timezone

REQUIRED = "This field is required."
NOT_NULL = "This field may not be null."
NOT_BLANK = "This field may not be blank."
NOT_DICT = "Value must be a dictionary, and not have any duplicate keys."
DATETIME_FORMAT = "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]"

# DRF BooleanField accepts these spellings besides real booleans.
# (1 == True and 0 == 0.0 == False in a set, so the numbers stand for the booleans too.)
_TRUE = {"t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE",
         "on", "On", "ON", "1", 1}
_FALSE = {"f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE",
          "off", "Off", "OFF", "0", 0}

# Django's EmailValidator patterns.
_EMAIL_USER = re.compile(
    r"(^[-!#$%&'*+/=?^_`{}|~0-9A-Z]+(\.[-!#$%&'*+/=?^_`{}|~0-9A-Z]+)*\Z"
    r'|^"([\001-\010\013\014\016-\037!#-\[\]-\177]|\\[\001-\011\013\014\016-\177])*"\Z)',
    re.IGNORECASE,
)
_EMAIL_DOMAIN = re.compile(
    r"((?:[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?\.)+)(?:[A-Z0-9-]{2,63}(?<!-))\Z",
    re.IGNORECASE,
)
_EMAIL_LITERAL = re.compile(r"\[([A-F0-9:.]+)\]\Z", re.IGNORECASE)


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
    """EmailField: blank allowed (the model has blank=True), max 254 characters."""
    text = char(value, allow_blank=True)
    if text == "":
        return text
    errors = []
    if len(text) > 254:
        errors.append("Ensure this field has no more than 254 characters.")
    if not is_valid_email(text):
        errors.append("Enter a valid email address.")
    if errors:
        raise FieldError(*errors)
    return text


def is_valid_email(text):
    if "@" not in text or len(text) > 320:
        return False
    user_part, domain = text.rsplit("@", 1)
    if not _EMAIL_USER.match(user_part):
        return False
    if domain == "localhost" or _EMAIL_DOMAIN.match(domain):
        return True
    if _EMAIL_LITERAL.match(domain):
        return True
    try:
        return bool(_EMAIL_DOMAIN.match(domain.encode("idna").decode("ascii")))
    except UnicodeError:
        return False


def parse_datetime(value):
    """Parse an ISO-8601 timestamp; naive values are taken as UTC (TIME_ZONE=UTC)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def nullable_datetime(value):
    if value is None:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise FieldError(f"Datetime has wrong format. Use one of these formats instead: {DATETIME_FORMAT}.")
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
