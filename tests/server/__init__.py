"""Local stand-in for the authentik users, groups and RBAC roles/permissions REST API."""

from .authentik_server import AuthentikServer

__all__ = ["AuthentikServer"]
