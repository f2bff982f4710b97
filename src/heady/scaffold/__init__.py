"""`heady init`: a starter compose file and a FastMCP server that follows the production checklist."""

from heady.scaffold.project import ScaffoldError, default_name, init_project, planned_files

__all__ = ["ScaffoldError", "default_name", "init_project", "planned_files"]
