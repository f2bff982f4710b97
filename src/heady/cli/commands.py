"""Imports every command module so each registers itself on the app."""

from heady.cli import config as config
from heady.cli import gateway as gateway
from heady.cli import init as init
from heady.cli import loadtest as loadtest
from heady.cli import ps as ps
from heady.cli import up as up
from heady.cli import validate  # noqa: F401
