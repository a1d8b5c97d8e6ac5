"""The sample generator: deterministic, canonical, self-consistent, rich enough for the pipeline.

Every file is read back as plain strings and checked against the landing contract
(`ingest.entities`) the way a loader would see it.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from dagster_project.cli import main
from dagster_project.ingest.entities import (
    BOOLEAN,
    DATE,
    ENTITIES,
    INTEGER,
    MONEY,
    NUMBER,
    PARTNER_TYPES,
    RATE,
    TIMESTAMP,
    Entity,
)
from dagster_project.settings import PROJECT_ROOT
from sample_generator import generate

BUNDLED = PROJECT_ROOT / "data" / "landing"
# The arguments that wrote the bundled sample, and the digest of what they write (see
# `_digest`). The constant pins the generator itself: regenerating data/landing after a change to
# the generator would keep the two in step, but not this.
BUNDLED_ARGS = {"scale": 1.0, "seed": 7, "end_date": date(2026, 11, 27), "years": 2.0}
BUNDLED_SHA256 = "891610822af4fb1149b1d937fcd1b04b3e9ed7e415cd3a0b4f5e8dfc87513b77"
SMALL = 0.05
BY_NAME = {e.qualified_name: e for e in ENTITIES}
# LANDING.md's default free-mail seed list.
FREE_MAIL = {
    *("gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com", "live.com"),
    *("msn.com", "aol.com", "icloud.com", "me.com", "mail.com", "gmx.com", "gmx.de", "web.de"),
    *("proton.me", "protonmail.com", "yandex.com", "zoho.com"),
}

# (entity, column) -> (entity, key column) it refers to.
FOREIGN_KEYS = {
    ("crm/accounts", "partner_owner_id"): ("crm/partners", "partner_id"),
    ("crm/opportunities", "account_id"): ("crm/accounts", "account_id"),
    ("crm/opportunities", "campaign_id"): ("crm/campaigns", "campaign_id"),
    ("crm/partner_touches", "opportunity_id"): ("crm/opportunities", "opportunity_id"),
    ("crm/partner_touches", "partner_id"): ("crm/partners", "partner_id"),
    ("crm/deal_registrations", "partner_id"): ("crm/partners", "partner_id"),
    ("crm/deal_registrations", "account_id"): ("crm/accounts", "account_id"),
    ("crm/deal_registrations", "opportunity_id"): ("crm/opportunities", "opportunity_id"),
    ("crm/campaigns", "partner_id"): ("crm/partners", "partner_id"),
    ("affiliate/referrals", "partner_id"): ("crm/partners", "partner_id"),
    ("marketplace/transactions", "reseller_partner_id"): ("crm/partners", "partner_id"),
    ("marketplace/transactions", "opportunity_id"): ("crm/opportunities", "opportunity_id"),
    ("marketplace/transactions", "customer_account_id"): ("crm/accounts", "account_id"),
    ("marketplace/integration_installs", "partner_id"): ("crm/partners", "partner_id"),
    ("marketplace/integration_installs", "account_id"): ("crm/accounts", "account_id"),
    ("mdf/fund_requests", "partner_id"): ("crm/partners", "partner_id"),
    ("mdf/fund_requests", "campaign_id"): ("crm/campaigns", "campaign_id"),
    ("surveys/partner_nps", "partner_id"): ("crm/partners", "partner_id"),
}


def _csv_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.csv"))}


def _digest(root: Path) -> str:
    """SHA-256 over every file under root: its relative path, its length, its bytes."""
    sha = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        sha.update(f"{path.relative_to(root).as_posix()}\0{len(data)}\0".encode())
        sha.update(data)
    return sha.hexdigest()


def _read(root: Path) -> dict[str, pl.DataFrame]:
    """Every export of every entity, as strings, with its export date in `_export`."""
    out = {}
    for entity in ENTITIES:
        frames = [
            pl.read_csv(path, infer_schema=False).with_columns(_export=pl.lit(path.parent.name))
            for path in sorted(root.glob(f"{entity.source}/*/{entity.name}.csv"))
        ]
        if frames:  # the sample writes no reference/partner_crosswalk
            out[entity.qualified_name] = pl.concat(frames)
    return out


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("small")
    generate(out, scale=SMALL, seed=7)
    return out


@pytest.fixture(scope="module")
def sharded(tmp_path_factory) -> Path:
    """Twice the small program, generated and written as two shards of the small scale."""
    out = tmp_path_factory.mktemp("sharded")
    generate(out, scale=2 * SMALL, seed=7, shard_scale=SMALL)
    return out


@pytest.fixture(scope="module")
def full(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("full")
    generate(out, **BUNDLED_ARGS)
    return out


@pytest.fixture(scope="module")
def full_data(full) -> dict[str, pl.DataFrame]:
    return _read(full)


@pytest.fixture(scope="module", params=["small", "sharded", "full"])
def data(request) -> dict[str, pl.DataFrame]:
    return _read(request.getfixturevalue(request.param))


# --- determinism ---------------------------------------------------------------------------------


def test_same_arguments_give_byte_identical_files(small, tmp_path):
    rows = generate(tmp_path, scale=SMALL, seed=7)
    assert _csv_files(tmp_path) == _csv_files(small)
    assert sum(rows.values()) == sum(b.count(b"\n") - 1 for b in _csv_files(tmp_path).values())


def test_another_seed_gives_other_files(small, tmp_path):
    generate(tmp_path, scale=SMALL, seed=8)
    other = _csv_files(tmp_path)
    assert other.keys() == _csv_files(small).keys()
    assert other != _csv_files(small)


def test_a_sharded_program_is_deterministic(sharded, tmp_path):
    generate(tmp_path, scale=2 * SMALL, seed=7, shard_scale=SMALL)
    assert _csv_files(tmp_path) == _csv_files(sharded)


def test_the_first_shard_is_written_as_the_program_in_one_piece(small, sharded):
    """Streaming shards changes nothing of a shard: every file of the sharded program begins
    with the bytes of the small program's file; the second shard only appends rows (fx rates,
    which do not scale, are written once)."""
    one, two = _csv_files(small), _csv_files(sharded)
    assert one.keys() == two.keys()
    for path, data in one.items():
        assert two[path].startswith(data), path
        if "fx_rates" in path:
            assert two[path] == data
    for entity in ENTITIES:
        if entity.source == "reference":
            continue
        files = [
            p for p in one if p.startswith(entity.source) and p.endswith(f"/{entity.name}.csv")
        ]
        added = sum(two[p].count(b"\n") - one[p].count(b"\n") for p in files)
        original = sum(one[p].count(b"\n") - 1 for p in files)
        assert 0.5 * original < added < 2 * original, entity.name  # the same program again, roughly


def _normal_domain(column: str) -> pl.Expr:
    return (
        pl.col(column)
        .str.to_lowercase()
        .str.replace(r"^https?://", "")
        .str.replace(r"^www\.", "")
        .str.strip_chars_end("/")
    )


def test_shards_share_no_record_domain_or_offer(small, sharded):
    """The second shard's records are new ones: numbered after the first's, with account domains
    and marketplace offers of their own (else the pipeline would match across them)."""
    first, both = _read(small), _read(sharded)

    def split(name: str, key: str) -> tuple[pl.DataFrame, pl.DataFrame]:
        known = first[name][key].unique().implode()
        return both[name].filter(pl.col(key).is_in(known)), both[name].filter(
            ~pl.col(key).is_in(known)
        )

    one, two = split("crm/accounts", "account_id")
    assert two.height > 0
    assert two["account_id"].min() > one["account_id"].max()  # zero-padded: text order
    domains_one = set(one.select(_normal_domain("domain")).to_series().drop_nulls())
    domains_two = set(two.select(_normal_domain("domain")).to_series().drop_nulls())
    assert domains_two and not domains_one & domains_two
    one, two = split("crm/opportunities", "opportunity_id")
    offers_one = set(one["marketplace_offer_id"].drop_nulls())
    offers_two = set(two["marketplace_offer_id"].drop_nulls())
    assert offers_two and not offers_one & offers_two
    one, two = split("marketplace/transactions", "transaction_id")
    assert not set(one["offer_id"].drop_nulls()) & set(two["offer_id"].drop_nulls())
    partners = both["crm/partners"]
    assert partners.filter(pl.col("partner_id") == "aws")["_export"].is_duplicated().sum() == 0


def test_rows_scale_linearly(small, full):
    ratio = len(_read(small)["crm/opportunities"]) / len(_read(full)["crm/opportunities"])
    assert ratio == pytest.approx(SMALL, rel=0.25)


def test_refuses_to_write_over_exports_unless_asked(tmp_path):
    generate(tmp_path, scale=SMALL)
    with pytest.raises(FileExistsError):
        generate(tmp_path, scale=SMALL)
    (tmp_path / "crm" / "1999-01-01").mkdir()  # a stale export is cleared by overwrite
    generate(tmp_path, scale=SMALL, overwrite=True)
    assert not (tmp_path / "crm" / "1999-01-01").exists()


def test_command_line_writes_and_summarises(tmp_path, capsys):
    main(["generate", "--out", str(tmp_path), "--scale", str(SMALL), "--seed", "3"])
    printed = capsys.readouterr().out
    assert "crm/opportunities:" in printed
    assert "wrote" in printed
    assert (tmp_path / "crm" / "2026-11-27" / "opportunities.csv").exists()
    with pytest.raises(SystemExit, match="already holds exports"):
        main(["generate", "--out", str(tmp_path), "--scale", str(SMALL)])


def test_a_last_day_export_carries_one_day_of_changes(tmp_path):
    """The benchmark's incremental night: the exports end the day before the end date, and one
    more export holds only the end date's new and changed records."""
    main(["generate", "--out", str(tmp_path), "--scale", "1", "--last-day-export"])
    folders = sorted(p.name for p in (tmp_path / "crm").iterdir())
    assert folders[-2:] == ["2026-11-26", "2026-11-27"]
    for entity in ("crm/opportunities", "crm/partner_touches", "affiliate/referrals"):
        source, name = entity.split("/")
        frame = pl.read_csv(tmp_path / source / "2026-11-27" / f"{name}.csv", infer_schema=False)
        assert frame.height > 0, entity
        assert (frame["updated_at"].str.slice(0, 10) == "2026-11-27").all(), entity
        before = pl.read_csv(tmp_path / source / "2026-11-26" / f"{name}.csv", infer_schema=False)
        assert before.height > 10 * frame.height, entity  # the day before: months of changes


# --- the landing contract ------------------------------------------------------------------------


def test_layout_and_headers(small):
    files = sorted(small.rglob("*.csv"))
    exports = sorted({p.parent.name for p in files})
    assert len(exports) >= 3
    assert exports[-1] == "2026-11-27"
    # every entity in every export but the partner crosswalk (none in the sample)
    assert len(files) == len(exports) * (len(ENTITIES) - 1)
    for path in files:
        entity = BY_NAME[f"{path.parent.parent.name}/{path.stem}"]
        header = path.read_text().splitlines()[0].split(",")
        assert header == [c.name for c in entity.all_columns], path


def _invalid(entity: Entity, frame: pl.DataFrame) -> dict[str, int]:
    """Count, per column, the values a loader would quarantine."""
    problems = {}
    for col in entity.all_columns:
        value = pl.col(col.name)
        present = value.is_not_null() & (value != "")
        if col.kind == TIMESTAMP:
            ok = value.str.contains(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
        elif col.kind == DATE:
            ok = value.str.contains(r"^\d{4}-\d{2}-\d{2}$")
        elif col.kind == MONEY:
            ok = value.str.contains(r"^-?\d+(\.\d{1,2})?$")
            if col.minimum is not None:
                ok = ok & (value.cast(pl.Float64, strict=False) >= col.minimum)
        elif col.kind in (NUMBER, RATE):
            ok = value.cast(pl.Float64, strict=False) > 0
        elif col.kind == INTEGER:
            number = value.cast(pl.Int64, strict=False)
            ok = number.is_between(col.minimum, col.maximum)
        elif col.kind == BOOLEAN:
            ok = value.is_in(["true", "false"])
        elif col.domain is not None:
            ok = value.is_in(list(col.domain))
        else:
            ok = pl.lit(True)
        bad = frame.filter(
            (~present & pl.lit(col.required)) | (present & ~ok.fill_null(False))
        ).height
        if bad:
            problems[col.name] = bad
    return problems


def test_every_row_is_valid(data):
    for name, frame in data.items():
        assert _invalid(BY_NAME[name], frame) == {}, name


def test_ids_are_unique_within_each_file(data):
    for name, frame in data.items():
        key = [*BY_NAME[name].key, "_export"]
        assert frame.select(key).is_duplicated().sum() == 0, name


def test_nothing_is_dated_after_its_export(data):
    for name, frame in data.items():
        for col in BY_NAME[name].all_columns:
            if col.kind in (TIMESTAMP, DATE):
                late = frame.filter(pl.col(col.name).str.slice(0, 10) > pl.col("_export"))
                assert late.height == 0, f"{name}.{col.name}: {late.head(3)}"


def test_foreign_ids_refer_to_records_exported_no_later(data):
    for (name, column), (target, key) in FOREIGN_KEYS.items():
        first_seen = data[target].group_by(key).agg(pl.col("_export").min().alias("_seen"))
        refs = data[name].filter(pl.col(column).is_not_null()).select(column, "_export")
        joined = refs.join(first_seen, left_on=column, right_on=key, how="left")
        unknown = joined.filter(pl.col("_seen").is_null())
        assert unknown.height == 0, f"{name}.{column}: unknown {unknown.head(3)}"
        early = joined.filter(pl.col("_seen") > pl.col("_export"))
        assert early.height == 0, f"{name}.{column}: exported before its target {early.head(3)}"


# --- what the pipeline needs to find at scale 1 -------------------------------------------------


def _latest(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    return frame.sort(["_export", "updated_at"]).unique(key, keep="last")


def test_partners_cover_the_program(full_data):
    partners = _latest(full_data["crm/partners"], "partner_id")
    assert set(partners["partner_type"]) == set(PARTNER_TYPES)
    assert 250 <= partners.height <= 350
    assert partners.filter(pl.col("agreement_signed_at").is_null()).height > 0  # prospects
    assert partners.filter(pl.col("terminated_at").is_not_null()).height > 0
    assert partners.filter(pl.col("strategic_value_score").is_null()).height > 0
    signed = partners["agreement_signed_at"].drop_nulls().str.slice(0, 7).n_unique()
    assert signed > 20  # signing months spread over time
    score = partners["strategic_value_score"].cast(pl.Float64).drop_nulls()
    assert score.is_between(0.8, 1.5).mean() > 0.9


def test_accounts_and_domains(full_data):
    accounts = _latest(full_data["crm/accounts"], "account_id")
    domain = accounts["domain"].drop_nulls()
    assert 2_700 <= accounts.height <= 3_300
    assert domain.len() > 0.85 * accounts.height
    assert domain.str.starts_with("www.").any()
    assert domain.str.starts_with("https://").any()
    assert domain.is_duplicated().any()  # subsidiaries sharing a domain
    assert accounts["partner_owner_id"].drop_nulls().len() > 0


def test_opportunities_change_and_close(full_data):
    opps = full_data["crm/opportunities"]
    latest = _latest(opps, "opportunity_id")
    assert 5_400 <= latest.height <= 6_600
    assert opps["opportunity_id"].is_duplicated().any()  # re-exported when they changed
    assert set(latest["currency"]) >= {"USD", "EUR", "GBP", "CAD"}
    assert (latest["currency"] == "USD").mean() > 0.6
    closed = latest.filter(pl.col("is_closed") == "true")
    assert set(closed["stage"]) == {"Closed Won", "Closed Lost"}
    assert (closed.filter(pl.col("is_won") == "true")["stage"] == "Closed Won").all()
    assert closed["close_date"].null_count() == 0
    still_open = latest.filter(pl.col("is_closed") == "false")
    assert still_open.height > 0 and (still_open["is_won"] == "false").all()
    assert latest["campaign_id"].drop_nulls().len() > 0
    assert latest["marketplace_offer_id"].drop_nulls().len() > 0


def test_deletions_in_later_exports(full_data):
    first = min(full_data["crm/partners"]["_export"])
    for name in ("crm/opportunities", "crm/partners", "crm/partner_touches"):
        deleted = full_data[name].filter(pl.col("is_deleted") == "true")
        assert deleted.height > 0, name
        assert (deleted["_export"] > first).all(), name


def test_touches_and_registrations(full_data):
    touches = full_data["crm/partner_touches"]
    assert (touches["touch_kind"] == "co_sell").mean() > 0.7
    assert touches["touch_kind"].n_unique() > 1
    regs = _latest(full_data["crm/deal_registrations"], "registration_id")
    assert set(regs["status"]) == {"submitted", "approved", "rejected", "expired"}
    opps = _latest(full_data["crm/opportunities"], "opportunity_id")
    approved = regs.filter(pl.col("status") == "approved").join(
        opps.select("opportunity_id", "created_at"), on="opportunity_id", how="left"
    )
    gap = (
        pl.col("registered_at").str.slice(0, 10).str.to_date()
        - pl.col("created_at").str.slice(0, 10).str.to_date()
    ).dt.total_days()
    named = approved.filter(pl.col("opportunity_id").is_not_null()).with_columns(gap=gap)
    assert named.height > 0.6 * approved.height
    assert named.filter(pl.col("gap") <= 14).height > 0.8 * named.height
    assert named.filter(pl.col("gap") > 14).height > 0  # late registrations
    no_opp = approved.filter(pl.col("opportunity_id").is_null())
    assert no_opp["account_id"].drop_nulls().len() > 0
    assert no_opp["customer_domain"].drop_nulls().len() > 0
    assert regs["expires_at"].drop_nulls().len() > 0
    assert regs["expires_at"].null_count() > 0


def test_registrations_that_lapsed_or_expired_after_approval(full_data):
    regs = _latest(full_data["crm/deal_registrations"], "registration_id")
    opps = _latest(full_data["crm/opportunities"], "opportunity_id")
    named = regs.join(opps.select("opportunity_id", "created_at"), on="opportunity_id")
    lapsed = named.filter(
        pl.col("expires_at").str.slice(0, 10) < pl.col("created_at").str.slice(0, 10)
    )
    assert 5 <= lapsed.height <= 100  # protection over before the deal existed
    expired = regs.filter((pl.col("status") == "expired") & pl.col("approved_at").is_not_null())
    assert expired.filter(pl.col("opportunity_id").is_not_null()).height > 0
    assert expired.filter(pl.col("opportunity_id").is_null()).height > 0


def test_co_selling_is_mostly_alliances(full_data):
    touches = _latest(full_data["crm/partner_touches"], "touch_id")
    partners = _latest(full_data["crm/partners"], "partner_id")
    co_sell = touches.filter(pl.col("touch_kind") == "co_sell").join(
        partners.select("partner_id", "partner_type"), on="partner_id"
    )
    assert (co_sell["partner_type"] == "strategic_alliance").mean() > 0.5


def test_referrals(full_data):
    refs = _latest(full_data["affiliate/referrals"], "referral_id")
    partners = _latest(full_data["crm/partners"], "partner_id")
    by_type = refs.join(partners.select("partner_id", "partner_type"), on="partner_id")
    assert (by_type["partner_type"] == "affiliate").mean() > 0.75
    mail_domain = refs["customer_email"].drop_nulls().str.split("@").list.last()
    assert mail_domain.is_in(sorted(FREE_MAIL)).any()
    assert refs["customer_domain"].drop_nulls().len() > 0
    converted = refs.filter(pl.col("status") == "converted")
    assert converted["converted_at"].null_count() == 0
    rate = converted["commission"].cast(pl.Float64) / converted["revenue"].cast(pl.Float64)
    assert rate.is_between(0.099, 0.201).mean() > 0.85
    assert (~rate.is_between(0.099, 0.201)).any()  # commission mismatches
    assert set(refs["status"]) == {"pending", "converted", "rejected"}


def test_marketplace(full_data):
    tx = full_data["marketplace/transactions"]
    opps = _latest(full_data["crm/opportunities"], "opportunity_id")
    offers = opps["marketplace_offer_id"].drop_nulls().to_list()
    assert set(tx["marketplace"]) == {"aws", "azure", "gcp", "appexchange"}
    assert tx["reseller_partner_id"].drop_nulls().len() > 0
    by_offer = tx.filter(pl.col("opportunity_id").is_null() & pl.col("offer_id").is_in(offers))
    assert by_offer.height > 0
    assert tx.filter(pl.col("opportunity_id").is_not_null()).height > 0
    only = tx.filter(
        pl.col("opportunity_id").is_null() & ~pl.col("offer_id").is_in(offers).fill_null(False)
    )
    assert only.height > 0  # marketplace-only revenue
    assert (tx["gross_amount"].cast(pl.Float64) < 0).any()  # refunds
    installs = full_data["marketplace/integration_installs"]
    assert installs["uninstalled_at"].drop_nulls().len() > 0
    assert installs["customer_domain"].drop_nulls().len() > 0


def test_mdf_nps_and_fx(full_data):
    mdf = _latest(full_data["mdf/fund_requests"], "request_id")
    assert set(mdf["status"]) == {
        "submitted",
        "approved",
        "rejected",
        "cancelled",
        "claimed",
        "paid",
    }
    claimed = mdf.filter(pl.col("claimed_at").is_not_null())
    assert set(claimed["proof_of_performance"]) == {"true", "false"}
    assert mdf["campaign_id"].null_count() > 0
    assert "EUR" in set(mdf["currency"])
    nps = full_data["surveys/partner_nps"]
    assert nps["score"].n_unique() > 5
    fx = full_data["reference/fx_rates"]
    assert {"EUR", "GBP", "CAD"} <= set(fx["currency"])
    assert (fx.group_by("_export").len()["len"] > 0).all()  # every export carries its rates


# --- the bundled sample --------------------------------------------------------------------------


def test_generator_writes_the_bundled_sample_byte_for_byte(full):
    assert _digest(full) == BUNDLED_SHA256
    assert _digest(BUNDLED) == BUNDLED_SHA256, "data/landing differs from the generator's output"


def test_bundled_sample_is_the_generator_output(full):
    assert BUNDLED.is_dir(), "run: uv run partner generate --out data/landing"
    bundled = {p.parent.name for p in BUNDLED.rglob("*.csv")}
    assert len(bundled) >= 3
    for path in BUNDLED.rglob("*.csv"):
        entity = BY_NAME.get(f"{path.parent.parent.name}/{path.stem}")
        if entity is not None:
            header = path.read_text().splitlines()[0].split(",")
            assert header == [c.name for c in entity.all_columns], path
    generated = _csv_files(full)
    assert {k: v for k, v in _csv_files(BUNDLED).items() if k in generated} == generated, (
        "data/landing is stale: regenerate it with "
        "uv run partner generate --out data/landing --overwrite"
    )
    assert sum(len(v) for v in generated.values()) < 4_000_000
