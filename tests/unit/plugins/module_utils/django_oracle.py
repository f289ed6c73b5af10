"""Django and DRF as authentik runs them, as an oracle for plugins/module_utils/instants.py and emails.py.

authentik runs on Python 3.13; this test venv may run another Python, and the answers depend on it. Django's
fallback datetime pattern reads \\d, and int() converts, with the running Python's Unicode database: Python 3.11
knows 660 decimal digits and Python 3.13 knows 680 (Kawi and Nag Mundari digits came with Unicode 15), so
"\U00011f52\U00011f50\U00011f52\U00011f54-05-01T10:00" is a date to authentik but not to Django on 3.11. (No
difference between the C datetime.fromisoformat() of 3.11.7 and 3.13.0 turned up in millions of near-miss
strings, and the email validator's patterns and ipaddress agree too, but nothing guarantees that.) So the
oracle does not run in this process: it runs in a Python 3.13 subprocess that imports the Django and DRF
installed in this venv (pure Python packages, appended to the end of its sys.path), builds the fields the way
authentik's user serializer gets them (a ModelSerializer over Django's AbstractUser fields `email` and
`last_login`) and answers batches of values sent as JSON lines. One subprocess serves a whole test process.

The Python 3.13 interpreter is, in order: $AKOPS_ORACLE_PYTHON, this interpreter when it is 3.13,
python3.13 on PATH, pyenv's 3.13 versions. Without one, the oracle tests are skipped with that reason.
"""

import atexit
import glob
import json
import os
import shutil
import subprocess
import sys

TARGET = (3, 13)


def find_python():
    """A Python 3.13 interpreter that runs, or None."""
    candidates = [os.environ.get("AKOPS_ORACLE_PYTHON")]
    if sys.version_info[:2] == TARGET:
        candidates.append(sys.executable)
    candidates.append(shutil.which("python%d.%d" % TARGET))
    pyenv = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidates += sorted(glob.glob(os.path.join(pyenv, "versions", "%d.%d*" % TARGET, "bin", "python%d.%d" % TARGET)),
                         reverse=True)
    for candidate in candidates:
        if not candidate:
            continue
        # pyenv shims exist for versions they cannot run, so each candidate is asked for its version.
        probe = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2] == (%d, %d))" % TARGET],
                               capture_output=True, text=True, check=False)
        if probe.returncode == 0 and probe.stdout.strip() == "True":
            return candidate
    return None


def package_directories():
    """Where this venv's Django and DRF live (they are pure Python, so Python 3.13 can import them)."""
    import django
    import rest_framework
    return sorted({os.path.dirname(os.path.dirname(module.__file__)) for module in (django, rest_framework)})


class Oracle:
    """Ask Django and DRF on Python 3.13. Each question takes a list of values and returns one answer each."""

    def __init__(self, python):
        self.python = python
        self.process = subprocess.Popen([python, "-I", os.path.abspath(__file__)] + package_directories(),
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="ascii")
        self.version = self._ask("version", [None])[0]

    def _ask(self, kind, values):
        # ensure_ascii keeps lone surrogates intact: they travel as \ud800 escapes.
        self.process.stdin.write(json.dumps({"kind": kind, "values": list(values)}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the Python 3.13 oracle exited (rc=%s)" % self.process.wait())
        return json.loads(line)

    def last_login(self, values):
        """DRF's verdict on each value for authentik's `last_login`: {"ok": True, "utc": [y, m, d, H, M, S, us],
        "text": how authentik renders it} (both None for null), or {"ok": False, "codes": [...], "messages": [...]}."""
        return self._ask("last_login", values)

    def email(self, values):
        """DRF's verdict for authentik's `email`: {"ok": True, "value": the stored text}, or codes and messages."""
        return self._ask("email", values)

    def validate_email(self, values):
        """Django's django.core.validators.validate_email alone: {"ok": bool}."""
        return self._ask("validate_email", values)

    def fromisoformat(self, values):
        """datetime.fromisoformat() of Python 3.13: {"ok": True, "fields": [y, m, d, H, M, S, us],
        "offset": None or [days, seconds, microseconds]} or {"ok": False, "error": exception name}."""
        return self._ask("fromisoformat", values)

    def slugify(self, values):
        """django.utils.text.slugify() on Python 3.13: the slug of each value (authentik names a service account's
        token with it)."""
        return self._ask("slugify", values)

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


_SHARED = {}


def shared():
    """(the process-wide Oracle, None), or (None, the reason there is none)."""
    if "oracle" not in _SHARED:
        python = find_python()
        if python is None:
            _SHARED["oracle"] = (None, "no Python %d.%d found for the Django/DRF oracle (set AKOPS_ORACLE_PYTHON)"
                                 % TARGET)
        else:
            oracle = Oracle(python)
            atexit.register(oracle.close)
            _SHARED["oracle"] = (oracle, None)
    return _SHARED["oracle"]


# ---------------------------------------------------------------- the subprocess (Python 3.13)


def _serve(directories):
    sys.path.extend(directories)
    import datetime

    import django
    from django.conf import settings

    settings.configure(USE_TZ=True, TIME_ZONE="UTC", USE_I18N=False,
                       INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes"])
    django.setup()
    from django.contrib.auth.models import User
    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.core.validators import validate_email
    from django.utils.text import slugify
    from rest_framework import serializers

    class UserFields(serializers.ModelSerializer):
        class Meta:
            model = User
            fields = ["email", "last_login"]

    fields = UserFields().fields

    def refused(error):
        return {"ok": False, "codes": [detail.code for detail in error.detail],
                "messages": [str(detail) for detail in error.detail]}

    def moment(value):
        return None if value is None else [value.year, value.month, value.day, value.hour, value.minute,
                                           value.second, value.microsecond]

    def last_login(value):
        try:
            result = fields["last_login"].run_validation(value)
        except serializers.ValidationError as error:
            return refused(error)
        if result is None:
            return {"ok": True, "utc": None, "text": None}
        assert result.utcoffset() == datetime.timedelta(0)
        return {"ok": True, "utc": moment(result), "text": fields["last_login"].to_representation(result)}

    def email(value):
        try:
            return {"ok": True, "value": fields["email"].run_validation(value)}
        except serializers.ValidationError as error:
            return refused(error)

    def check_email(value):
        try:
            validate_email(value)
        except DjangoValidationError:
            return {"ok": False}
        return {"ok": True}

    def fromisoformat(value):
        try:
            result = datetime.datetime.fromisoformat(value)
        except Exception as error:  # pylint: disable=broad-except
            return {"ok": False, "error": type(error).__name__}
        offset = result.utcoffset()
        return {"ok": True, "fields": moment(result),
                "offset": None if offset is None else [offset.days, offset.seconds, offset.microseconds]}

    def version(unused):
        return {"python": list(sys.version_info[:3]), "django": django.__version__,
                "drf": __import__("rest_framework").__version__}

    handlers = {"last_login": last_login, "email": email, "validate_email": check_email,
                "fromisoformat": fromisoformat, "version": version, "slugify": slugify}
    for line in sys.stdin:
        request = json.loads(line)
        answers = [handlers[request["kind"]](value) for value in request["values"]]
        sys.stdout.write(json.dumps(answers) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    assert sys.version_info[:2] == TARGET, sys.version
    _serve(sys.argv[1:])
