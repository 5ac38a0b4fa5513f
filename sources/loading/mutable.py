"""Mutable records: a source whose rows carry their extraction time (``extracted_at``,
the dossiers) keeps the latest state of each natural key across files, instead of
replacing a file slot whole.

A row replaces the loaded row of its key only when its extraction is newer (the loaded
one moves to history); a row with an older extraction than the loaded state never
overwrites it: it goes straight to history (superseded by the load holding the newer
state) and the load's warnings say so (:func:`kept_newer_note`); an equal extraction with
equal values is a no-op, with other values a reject (which is right cannot be known); a
key loaded with another ``received_at`` is another record under the same key: a reject.
Set-based in DuckDB: one join of the file's rows with the table per load, whatever the
volume. Called by :func:`sources.loading.ingest.ingest_file` inside its transaction.
"""

from __future__ import annotations

import duckdb

from sources.loading.spec import SourceSpec
from sources.sql import quote_ident

# Columns that never change across a key's states (a row whose key is loaded with
# another value is another record under the same key, and rejected).
IDENTITY_COLUMNS = ("received_at",)


def is_mutable(spec: SourceSpec) -> bool:
    """A source of mutable records: its rows carry their extraction time (``extracted_at``)
    and the table keeps the latest state of each natural key."""
    return "extracted_at" in spec.schema.names


def classify(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> None:
    """Temp table ``_verdicts``: each incoming row against the loaded state of its key -
    new, newer, older, same (equal values), conflict (same time, other values) or clash:
    loaded with another identity (``IDENTITY_COLUMNS``, another ``received_at``), i.e.
    another record under the same key. Clashing rows move to the rejects (they count as
    rejected), so that the threshold sees them; one join of the file with the table."""
    raw = f"raw.{spec.name}"
    keys = [quote_ident(k) for k in spec.natural_key]
    firsts = [quote_ident(c) for c in spec.schema.names if c.startswith("first_")]
    identity = [quote_ident(c) for c in IDENTITY_COLUMNS if c in spec.schema.names]
    on = " and ".join(f"i.{k} = r.{k}" for k in keys)
    same = " and ".join(
        f"i.{quote_ident(c)} is not distinct from r.{quote_ident(c)}"
        for c in spec.schema.names
        if not c.startswith("first_")
    )
    clash = " or ".join(f"i.{c} is distinct from r.{c}" for c in identity) or "false"
    loaded_identity = (
        " || ', ' || ".join(
            f"'{c.strip(chr(34))} ' || coalesce(r.{c}::varchar, '∅')" for c in identity
        )
        or "''"
    )
    loaded_firsts = "".join(f", r.{c} as {quote_ident('_loaded_' + c[1:-1])}" for c in firsts)
    key_text = " || ' / ' || ".join(f"i.{k}::varchar" for k in keys)
    con.execute(
        f"""
        create or replace temp table _verdicts as
        select
            {", ".join(f"i.{k}" for k in keys)},
            i._source_sheet, i._source_row_number, {key_text} as key_value,
            i.extracted_at as incoming_at, r.extracted_at as loaded_at,
            r._source_file_name as loaded_file, {loaded_identity} as loaded_identity
            {loaded_firsts}, r.rowid as _loaded_rowid,
            case
                when r.extracted_at is null then 'new'
                when {clash} then 'clash'
                when i.extracted_at > r.extracted_at then 'newer'
                when i.extracted_at < r.extracted_at then 'older'
                else 'equal'
            end as verdict
        from _incoming as i
        left join {raw} as r on {on}
        """
    )
    # Equal extraction times (rare) are compared column by column afterwards, fetching
    # only those loaded rows (by rowid): the join above reads a few columns of the table,
    # not all of them for every row.
    if con.execute("select count(*) from _verdicts where verdict = 'equal'").fetchall()[0][0]:
        con.execute(
            f"""
            update _verdicts as v
            set verdict = case when {same} then 'same' else 'conflict' end
            from _incoming as i, (
                select rowid as _loaded_rowid, * from {raw}
                where rowid in (select _loaded_rowid from _verdicts where verdict = 'equal')
            ) as r
            where v.verdict = 'equal' and v._source_row_number = i._source_row_number
                and v._source_sheet is not distinct from i._source_sheet
                and r._loaded_rowid = v._loaded_rowid
            """
        )
    label = " + ".join(spec.natural_key)
    con.execute(
        f"""
        insert into _incoming_rejects
        select _source_sheet, _source_row_number, '{label}', key_value,
            'the key ' || key_value || ' is loaded with ' || loaded_identity
            || ' (' || loaded_file || '): another record under the same key, '
            || 'not a later state of it'
        from _verdicts where verdict = 'clash'
        union all
        select _source_sheet, _source_row_number, 'extracted_at',
            strftime(incoming_at, '%Y-%m-%d %H:%M:%S'),
            'same extraction time as the loaded state of ' || key_value || ' ('
            || loaded_file || ') but other values: which is right cannot be known, '
            || 'kept the loaded'
        from _verdicts where verdict = 'conflict';
        delete from _incoming as i where exists (
            select 1 from _verdicts as v
            where v.verdict in ('clash', 'conflict')
                and v._source_row_number = i._source_row_number
                and v._source_sheet is not distinct from i._source_sheet
        );
        delete from _verdicts where verdict in ('clash', 'conflict');
        """
    )


def merge_latest(
    con: duckdb.DuckDBPyConnection, spec: SourceSpec, meta: dict
) -> tuple[int, int, int]:
    """Merge ``_incoming`` into ``raw.<source>`` by the verdicts of :func:`classify`,
    keeping the latest extraction of every natural key; returns (rows loaded, loaded rows
    replaced, rows older than the loaded state). Columns named ``first_*`` keep their
    least value across a key's states (the first export that delivered it). Runs inside
    the load's transaction."""
    raw = f"raw.{spec.name}"
    keys = [quote_ident(k) for k in spec.natural_key]
    firsts = [quote_ident(c) for c in spec.schema.names if c.startswith("first_")]
    on = " and ".join(f"i.{k} = r.{k}" for k in keys)
    counts = dict(
        con.execute("select verdict, count(*) from _verdicts group by verdict").fetchall()
    )
    replaced = counts.get("newer", 0)
    match = " and ".join(f"r.{k} = v.{k}" for k in keys)
    if replaced:
        con.execute(
            f"""
            insert into {raw}__history
            select r.*, $now, $load from {raw} as r
            semi join _verdicts as v on {match} and v.verdict = 'newer'
            """,
            {"now": meta["now"], "load": meta["load"]},
        )
        con.execute(
            f"delete from {raw} as r using _verdicts as v where {match} and v.verdict = 'newer'"
        )
    least = {c.strip('"'): f"least(i.{c}, v.{quote_ident('_loaded_' + c[1:-1])})" for c in firsts}
    con.execute(
        f"""
        insert into {raw} by name
        select
            {
            ", ".join(
                least.get(c, f"i.{quote_ident(c)}") + f" as {quote_ident(c)}"
                for c in spec.schema.names
            )
        },
            i._source_sheet, i._source_row_number,
            $load as _load_id, $name as _source_file_name,
            $sha as _source_file_sha256, $part as _partition_key, $slot as _slot,
            $now as _loaded_at
        from _incoming as i
        inner join _verdicts as v
            on v._source_row_number = i._source_row_number
            and v._source_sheet is not distinct from i._source_sheet
        where v.verdict in ('new', 'newer')
        """,
        meta,
    )
    for c in firsts if set(counts) - {"new", "newer"} else []:
        # An older or equal state still tells which export delivered the key first.
        con.execute(
            f"""
            update {raw} as r set {c} = i.{c}
            from _incoming as i
            inner join _verdicts as v
                on v._source_row_number = i._source_row_number
                and v._source_sheet is not distinct from i._source_sheet
            where {match} and v.verdict not in ('new', 'newer') and i.{c} < r.{c}
            """
        )
    kept = counts.get("older", 0)
    if kept:
        # States older than the loaded one are history too: superseded by the newer state.
        con.execute(
            f"""
            insert into {raw}__history by name
            select
                {", ".join(f"i.{quote_ident(c)}" for c in spec.schema.names)},
                i._source_sheet, i._source_row_number,
                $load as _load_id, $name as _source_file_name,
                $sha as _source_file_sha256, $part as _partition_key, $slot as _slot,
                $now as _loaded_at, $now as _superseded_at,
                r._load_id as _superseded_by_load_id
            from _incoming as i
            inner join _verdicts as v
                on v._source_row_number = i._source_row_number
                and v._source_sheet is not distinct from i._source_sheet
            inner join {raw} as r on {on}
            where v.verdict = 'older'
            """,
            meta,
        )
    return counts.get("new", 0) + replaced, replaced, kept


def kept_newer_note(con: duckdb.DuckDBPyConnection, spec: SourceSpec, name: str, n: int) -> str:
    """The load's warning for rows older than the loaded state, with the first example."""
    incoming, loaded, loaded_file, row = con.execute(
        """
        select strftime(incoming_at, '%Y-%m-%d %H:%M:%S'),
            strftime(loaded_at, '%Y-%m-%d %H:%M:%S'), loaded_file, _source_row_number
        from _verdicts where verdict = 'older'
        order by _source_sheet nulls first, _source_row_number limit 1
        """
    ).fetchall()[0]
    example = (
        f"older extraction ({incoming}) than the loaded state ({loaded}, {loaded_file}): "
        "kept the newer"
    )
    key = " + ".join(spec.natural_key)
    return (
        f"{name}: {n} row(s) hold an older extraction than the loaded state of their {key} "
        f"(first, row {row}: {example}); kept in raw.{spec.name}__history"
    )
