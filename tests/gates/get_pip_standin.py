"""Stand-in for the get-pip script that `ansible-test --venv` downloads from a file server.

ansible-test runs it as `python get_pip.py [pip options] pip==X.Y ...` inside a fresh virtual environment
without pip. Bootstrapping from the interpreter's bundled pip and then installing the requested packages
from the package index gives the same result without that download.
"""

import subprocess
import sys

DROPPED = ("--no-setuptools", "--no-wheel")

subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
arguments = [argument for argument in sys.argv[1:] if argument not in DROPPED]
subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet"] + arguments)
