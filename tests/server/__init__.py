"""Local stand-in for the authentik users and groups REST API."""

from .authentik_server import AuthentikServer

__all__ = ["AuthentikServer"]
