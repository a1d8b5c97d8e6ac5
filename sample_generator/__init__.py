"""A deterministic sample partner program, written as landing exports (LANDING.md).

Not part of the pipeline: it writes the bundled sample (`data/landing`) and bigger programs for
tests and benchmarks. One module per source system; `program.generate` runs them in order.

`generate()` invents about two years of a B2B partner program -- partners of the five types, CRM
accounts, opportunities, co-sell touches, deal registrations and campaigns, affiliate referrals,
marketplace transactions and integration installs, MDF fund requests, NPS responses and fx rates --
and writes it as dated delta exports: `<out>/<source>/<export date>/<entity>.csv`, with exactly the
canonical columns of `dagster_project.ingest.entities`, in their declared order.

How history becomes exports. Every record is generated as a list of versions, each stamped with the
time it was made: an opportunity is created, later moves to proposal, later closes won or lost; a
deal registration is submitted, approved, linked to its opportunity, expires; an MDF request is
submitted, approved, claimed, paid. An export holds, for each record, its latest version made after
the previous export date and on or before its own date. So a record reappears in every export in
which it changed, a version only ever shows what was known when it was made, and nothing in an
export is dated after the export date (a deal still open has no close date; an expiry date appears
once it has passed). A few records end with a deleted version (`is_deleted` = true). Entities
without a lifecycle (transactions, NPS responses, fx rates) carry the rows dated in the window.

Determinism: all randomness comes from numpy generators seeded by (seed, section name), so the same
arguments give byte-identical files and one section's draws never shift another's. Counts,
partners included, scale linearly with `scale`, so per-partner volumes, tiers and activity look
alike at every scale; fx rates are one row per weekday and currency whatever the scale.

Streaming. Above `SHARD_SCALE` (25: about 500,000 rows) the program is generated and written in
equal shards no bigger than that, so memory stays at one shard's (~0.4 GB; scale 500, 10 million
rows, in ~1.5 minutes) and time grows linearly. Each shard is a program of its own, drawn from
generators seeded by (seed, section, shard) and appended to the same export files; its record
numbers (partners, accounts, opportunities, ...) follow the earlier shards', its account domains
go on numbering the earlier shards' domain stems, and its marketplace offers have a number block
of their own, so no record, domain or offer is shared across shards (no partner of one shard acts
in another: a shard is like a region of the program). The first shard alone writes what does not
scale (the CRM's AWS record, fx rates). The first shard is drawn exactly as a program in one
piece, so scale 25 and below, the bundled sample among them, are unchanged by sharding.

    uv run partner generate --out data/landing --scale 1 --seed 7 --overwrite
"""

from sample_generator.program import generate

__all__ = ["generate"]
