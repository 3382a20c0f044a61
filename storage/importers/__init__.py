"""Order import: parsers that stream CSV / JSON files into validated `OrderRecord`s,
and the writer that upserts them through a unit of work."""
