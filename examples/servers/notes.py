"""Team notes: a FastMCP server that keeps every note in SQLite, none in process memory.

Any number of replicas can share one database file, because each call opens its own
connection and the process holds no state between calls.

Run: PORT=9101 python examples/servers/notes.py   (NOTES_DB sets the file; default .heady/notes.db)
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import aiosqlite
from fastmcp import FastMCP
from fastmcp.exceptions import ToolError
from jsonlog import ToolCallLog, setup
from pydantic import BaseModel, Field
from serving import serve
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

SCHEMA = """
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL
)
"""

log = setup("notes")


class Note(BaseModel):
    id: int
    title: str
    body: str
    tags: list[str]
    created_at: str = Field(description="UTC time the note was added, ISO 8601.")


class SearchResult(BaseModel):
    query: str
    count: int = Field(description="Notes returned (at most limit).")
    notes: list[Note]


class Deleted(BaseModel):
    id: int
    deleted: bool


def database_path() -> Path:
    return Path(os.environ.get("NOTES_DB") or ".heady/notes.db")


@asynccontextmanager
async def connect() -> AsyncIterator[aiosqlite.Connection]:
    """One connection per call: nothing is cached between calls, so replicas stay consistent."""
    async with aiosqlite.connect(database_path(), timeout=5) as db:
        db.row_factory = aiosqlite.Row
        yield db


@asynccontextmanager
async def lifespan(server: FastMCP[Any]) -> AsyncIterator[None]:
    """Create the database file and table once at start (idempotent, safe with replicas)."""
    path = database_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    async with connect() as db:
        await db.execute("PRAGMA journal_mode=WAL")
        await db.execute(SCHEMA)
        await db.commit()
    log.info("database ready", extra={"status": "ok"})
    yield


mcp = FastMCP(
    "notes",
    instructions="Team notes: add, read, search and delete short notes with tags.",
    lifespan=lifespan,
    middleware=[ToolCallLog(log)],
)


def to_note(row: aiosqlite.Row) -> Note:
    return Note(
        id=row["id"],
        title=row["title"],
        body=row["body"],
        tags=json.loads(row["tags"]),
        created_at=row["created_at"],
    )


async def fetch(db: aiosqlite.Connection, note_id: int) -> Note:
    async with db.execute("SELECT * FROM notes WHERE id = ?", (note_id,)) as cursor:
        row = await cursor.fetchone()
    if row is None:
        raise ToolError(f"no note with id {note_id}; search_notes lists the ids that exist")
    return to_note(row)


Title = Annotated[str, Field(min_length=1, max_length=200, description="A short title.")]
Tag = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")]
NoteId = Annotated[int, Field(ge=1, description="The id add_note returned.")]


@mcp.tool(annotations={"readOnlyHint": False, "destructiveHint": False, "idempotentHint": False})
async def add_note(
    title: Title,
    body: Annotated[str, Field(max_length=100_000, description="The note text.")] = "",
    tags: Annotated[
        list[Tag], Field(max_length=20, description="Lowercase labels such as 'ops' or 'q3-plan'.")
    ] = [],  # noqa: B006  (FastMCP copies arguments per call; the schema shows the default)
) -> Note:
    """Add a note and return it with its new id."""
    if not title.strip():
        raise ToolError("title is blank; give the note a title with at least one visible character")
    created = datetime.now(UTC).isoformat(timespec="seconds")
    async with connect() as db:
        cursor = await db.execute(
            "INSERT INTO notes (title, body, tags, created_at) VALUES (?, ?, ?, ?)",
            (title.strip(), body, json.dumps(sorted(set(tags))), created),
        )
        await db.commit()
        note_id = cursor.lastrowid
        assert note_id is not None
        return await fetch(db, note_id)


@mcp.tool(annotations={"readOnlyHint": True, "idempotentHint": True})
async def get_note(id: NoteId) -> Note:
    """Return one note by id; an unknown id is an error, never an empty result."""
    async with connect() as db:
        return await fetch(db, id)


@mcp.tool(annotations={"readOnlyHint": True, "idempotentHint": True})
async def search_notes(
    query: Annotated[
        str, Field(max_length=200, description="Words matched in title, body or tags; empty lists all.")
    ] = "",
    limit: Annotated[int, Field(ge=1, le=100, description="Most notes to return.")] = 20,
) -> SearchResult:
    """Find notes whose title, body or tags contain the query, newest first."""
    pattern = "%" + query.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    async with (
        connect() as db,
        db.execute(
            "SELECT * FROM notes WHERE title LIKE ?1 ESCAPE '\\' OR body LIKE ?1 ESCAPE '\\'"
            " OR tags LIKE ?1 ESCAPE '\\' ORDER BY id DESC LIMIT ?2",
            (pattern, limit),
        ) as cursor,
    ):
        notes = [to_note(row) for row in await cursor.fetchall()]
    return SearchResult(query=query, count=len(notes), notes=notes)


@mcp.tool(annotations={"readOnlyHint": False, "destructiveHint": True, "idempotentHint": False})
async def delete_note(id: NoteId) -> Deleted:
    """Delete a note for good; an unknown id is an error."""
    async with connect() as db:
        cursor = await db.execute("DELETE FROM notes WHERE id = ?", (id,))
        await db.commit()
        if cursor.rowcount == 0:
            raise ToolError(f"no note with id {id}; search_notes lists the ids that exist")
    return Deleted(id=id, deleted=True)


@mcp.custom_route("/healthz", methods=["GET"])
async def healthz(request: Request) -> Response:
    """Liveness plus a real database round trip, so a broken volume shows up as unhealthy."""
    try:
        async with connect() as db:
            await db.execute("SELECT 1")
    except aiosqlite.Error as exc:
        return JSONResponse({"status": "error", "error": f"database: {exc}"}, status_code=503)
    return JSONResponse({"status": "ok"})


if __name__ == "__main__":
    serve(mcp, log, default_port=9101)
