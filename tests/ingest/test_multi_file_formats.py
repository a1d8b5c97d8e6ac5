"""Multi-file export formats (files/join in formats/*.yml, export_parts.py, joining.py,
export_groups.py): an export of several files recognised by their columns in one export folder,
joined and added up per key, or held until its other files arrive.

Expected values are worked out by hand from the sample files (shared/fixtures/exports, copied in
tests/fixtures/exports); UTC conversions of epoch milliseconds are noted beside them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from decimal import Decimal

import duckdb
import pytest
from test_export_formats import DAY, drop, put

from dagster_project.ingest import export_formats
from dagster_project.ingest.load_log import describe
from dagster_project.ingest.loader import load_source
from dagster_project.run_report import problem_lines, summary

TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


def rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def log_of(con) -> list[tuple]:
    return rows(
        con,
        "SELECT file_path, status, export_format, rows_read, rows_loaded, rows_quarantined "
        "FROM audit.load_log ORDER BY load_seq",
    )


def quiet(_: str) -> None:
    pass


# --------------------------------------------------------------------------------------------
# The engine, on a made-up two-file export declared only in a test-owned formats folder

ORDERS_WITH_LINES = """
name: shop_orders_with_lines
entity: marketplace/transactions
recognise: [order_ref, placed, buyer_site]
files:
  lines:
    recognise: [order_ref, line_amount, line_kind]
join:
  - file: lines
    by: {order_ref: order_ref}
    aggregate:
      sold: {sum: line_amount, where: {line_kind: [sale, refund]}}
      fee: {sum: line_amount, where: {line_kind: [fee]}}
columns:
  transaction_id: order_ref
  marketplace: {value: shop}
  transaction_at: placed
  gross_amount: lines.sold
  marketplace_fee: {from: lines.fee, negate: true}
  currency: {value: EUR}
  customer_domain: buyer_site
"""
ORDERS = "order_ref,placed,buyer_site\nO-1,2024-05-01,a.example\nO-2,2024-05-02,b.example\n"
LINES = (
    "order_ref,line_amount,line_kind\n"
    "O-1,100.50,sale\nO-1,-10.05,fee\nO-1,20,sale\n"  # O-1: 120.50 sold, fee 10.05
    "O-2,-30,refund\nO-2,3,fee\nO-2,999,note\n"  # O-2: -30 (a refund), fee -3; the note ignored
)


@pytest.fixture
def shop_format(tmp_path, monkeypatch):
    folder = tmp_path / "our_formats"
    folder.mkdir()
    (folder / "shop_orders_with_lines.yml").write_text(ORDERS_WITH_LINES)
    monkeypatch.setenv(export_formats.EXTRA_FORMATS_ENV, str(folder))


def test_a_made_up_two_file_format_is_held_then_loaded_when_its_other_file_arrives(
    tmp_path, con, shop_format
):
    landing = tmp_path / "landing"
    orders = put(landing, f"marketplace/{DAY}/orders.csv", ORDERS)

    first = load_source(con, landing, "marketplace", log=quiet, today=TODAY)
    assert [(x.file, x.status) for x in first] == [(orders, "held")]
    assert "waiting for its other file(s) in the same folder: lines (columns order_ref, " in (
        first[0].reason
    )
    # still waiting two days later: nothing new recorded, nothing loaded
    assert load_source(con, landing, "marketplace", log=quiet, today=TODAY + dt.timedelta(2)) == []
    assert rows(con, "SELECT count(*) FROM raw.marketplace__transactions") == [(0,)]

    lines = put(landing, f"marketplace/{DAY}/order_lines.csv", LINES)
    load_source(con, landing, "marketplace", log=quiet, today=TODAY + dt.timedelta(2))
    assert log_of(con) == [
        (orders, "held", None, 0, 0, 0),
        (orders, "loaded", "shop_orders_with_lines", 2, 2, 0),
        (lines, "joined", "shop_orders_with_lines", 0, 0, 0),
    ]
    assert rows(
        con,
        "SELECT transaction_id, gross_amount, marketplace_fee, currency, customer_domain, "
        "_line_number FROM raw.marketplace__transactions ORDER BY 1",
    ) == [
        ("O-1", Decimal("120.50"), Decimal("10.05"), "EUR", "a.example", 2),
        ("O-2", Decimal("-30"), Decimal("-3"), "EUR", "b.example", 3),
    ]
    assert load_source(con, landing, "marketplace", log=quiet) == []  # loading again: nothing


def test_a_held_file_is_rejected_after_the_hold_days_with_what_it_waited_for(
    tmp_path, con, shop_format, monkeypatch
):
    landing = tmp_path / "landing"
    lines = put(landing, f"marketplace/{DAY}/order_lines.csv", LINES)
    monkeypatch.setenv("PARTNER_HOLD_DAYS", "2")
    held = load_source(con, landing, "marketplace", log=quiet, today=TODAY)
    assert [(x.status, x.reason) for x in held] == [
        (
            "held",
            "is the lines file of a shop_orders_with_lines export; waiting for its main file "
            "in the same folder (columns order_ref, placed, buyer_site)",
        )
    ]
    assert load_source(con, landing, "marketplace", log=quiet, today=TODAY + dt.timedelta(1)) == []
    (rejected,) = load_source(con, landing, "marketplace", log=quiet, today=TODAY + dt.timedelta(2))
    assert (rejected.file, rejected.status) == (lines, "rejected")
    assert rejected.reason.endswith(
        f"held since {TODAY}, more than 2 day(s): drop the missing file(s) in that folder and "
        "this file again under a new name (or in a new folder)"
    )
    assert rows(con, "SELECT count(*) FROM raw.marketplace__transactions") == [(0,)]


def test_an_aggregated_value_that_is_not_a_number_quarantines_its_row(tmp_path, con, shop_format):
    landing = tmp_path / "landing"
    put(landing, f"marketplace/{DAY}/orders.csv", ORDERS)
    put(landing, f"marketplace/{DAY}/order_lines.csv", LINES.replace("O-2,3,fee", "O-2,3€,fee"))
    load_source(con, landing, "marketplace", log=quiet, today=TODAY)
    assert rows(con, "SELECT transaction_id FROM raw.marketplace__transactions") == [("O-1",)]
    assert rows(con, "SELECT line_number, reason FROM audit.quarantine") == [
        (3, "lines.fee: a value of line_amount is not a number")
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("    by: {", "    on: {"), "each join needs 'file' and 'by'"),
        (("- file: lines", "- file: items"), "join: 'items' is not one of the files"),
        (("sum: line_amount, where", "avg: line_amount, where"), "unknown key(s) avg"),
        (("join:\n", "join: []\nx:\n"), "unknown key(s) x"),
    ],
)
def test_a_broken_multi_file_mapping_fails_loudly(tmp_path, change, message):
    (tmp_path / "broken.yml").write_text(ORDERS_WITH_LINES.replace(*change, 1))
    with pytest.raises(export_formats.FormatError) as caught:
        export_formats.known_formats(tmp_path)
    assert str(caught.value).startswith("export format broken.yml: ")
    assert message in str(caught.value)


# --------------------------------------------------------------------------------------------
# The bundled multi-file formats on their samples


def test_aws_marketplace_billing_event_worked_example_taxes_out_disbursements_once(tmp_path, con):
    landing = tmp_path / "landing"
    for name in ("billing_event", "account", "address"):
        drop(landing, f"aws_marketplace/{name}.csv", "marketplace")
    loads = load_source(con, landing, "marketplace", log=quiet, today=TODAY)
    assert rows(
        con,
        "SELECT transaction_id, marketplace, transaction_at, gross_amount, marketplace_fee, "
        "currency, reseller_partner_id, customer_domain, _line_number "
        "FROM raw.marketplace__transactions ORDER BY _line_number",
    ) == [
        # the seller guide's example: 73.5 revenue share, 6.5 tax (out), -7.35 listing fee;
        # paid by Kestrel (777788889999) for the end user Müller: a channel partner offer
        ("be5" + "0" * 37, "aws", dt.datetime(2024, 1, 31, 0, 4, 7), Decimal("73.50"),
         Decimal("7.35"), "USD", "777788889999", "mueller-everlight.example", 2),
        # Northwind buys directly (payer = end user): no reseller; AWS_TAX_SHARE 99 out
        ("be2" + "0" * 37, "aws", dt.datetime(2024, 1, 31), Decimal("1200"), Decimal("36"),
         "USD", None, "northwind-robotics.example", 5),
    ]  # fmt: skip
    # taxes (lines 3, 6), listing fees (4, 7) and the disbursement rows (8-11: the 72.65 payout
    # and the DISBURSED rows of its parts, never counted again) are left out on purpose: set
    # aside, counted with their rule, and not quarantined (no bad input, no warning)
    assert rows(con, "SELECT count(*) FROM audit.quarantine") == [(0,)]
    assert rows(
        con,
        "SELECT rows_read, rows_loaded, rows_quarantined, rows_set_aside, set_aside_rules "
        "FROM audit.load_log WHERE status = 'loaded'",
    ) == [
        (10, 2, 0, 8,
         "tax, kept out of revenue: 2; "
         "AWS listing fee, counted as the marketplace_fee of its SELLER_REV_SHARE row: 2; "
         "disbursement (AWS paying out revenue counted when it was invoiced): 4"),
    ]  # fmt: skip
    # neither the run's log line nor its end-of-run summary calls them a problem
    (load,) = [x for x in loads if x.status == "loaded"]
    assert describe(load).startswith(
        f"marketplace/{DAY}/billing_event.csv: 10 read, 2 loaded, 0 quarantined, 8 set aside by "
        "its format (tax, kept out of revenue: 2; "
    )
    reported = [asdict(x) for x in loads]
    assert problem_lines(reported) == []
    assert summary(reported) == (
        "1 new file loaded; no file rejected, no row quarantined "
        "(8 rows set aside by the formats' filters)"
    )
    assert [(p.split("/")[-1], s, f) for p, s, f, *_ in log_of(con)] == [
        ("billing_event.csv", "loaded", "aws_marketplace_billing_event"),
        ("account.csv", "joined", "aws_marketplace_billing_event"),
        ("address.csv", "joined", "aws_marketplace_billing_event"),
    ]


def test_partnerstack_customers_with_transactions_and_rewards(tmp_path, con):
    landing = tmp_path / "landing"
    for name in ("customers", "transactions", "rewards"):
        drop(landing, f"partnerstack/{name}.csv", "affiliate")
    load_source(con, landing, "affiliate", log=quiet, today=TODAY)
    assert rows(
        con,
        "SELECT referral_id, partner_id, referred_at, status, revenue, commission, currency "
        "FROM raw.affiliate__referrals ORDER BY _line_number",
    ) == [
        # 4800000 cents -> 48,000.00; reward 960000 -> 9,600.00; 1706781000000 ms = 2024-02-01 09:50
        ("cust_Xk3m9QwE2a", "part_orbit", dt.datetime(2024, 2, 1, 9, 50), "converted",
         Decimal("48000.00"), Decimal("9600.00"), "USD"),
        # GBP pence: 250000 + 250000 - 250000 (the refund) = 2,500.00; rewards: pending 500.00
        # counted, the declined -500.00 clawback not
        ("cust_Pq7n2RtY5b", "part_orbit", dt.datetime(2024, 3, 3, 9), "converted",
         Decimal("2500.00"), Decimal("500.00"), "GBP"),
        ("cust_Lm4s8VbN1c", "part_stackwise", dt.datetime(2024, 1, 15, 14), "converted",
         Decimal("120000.00"), Decimal("12000.00"), "USD"),
        # no transactions: no revenue (not zero)
        ("cust_Zr6t1HgK8d", "part_lumamedia", dt.datetime(2024, 2, 11, 10), "converted",
         None, None, None),
    ]  # fmt: skip
    assert rows(con, "SELECT count(*) FROM audit.quarantine") == [(0,)]
    assert rows(con, "SELECT rows_set_aside, set_aside_rules FROM audit.load_log LIMIT 1") == [
        (1, "test record (PartnerStack test=true), not a real customer: 1")
    ]
    assert [s for _, s, *_ in log_of(con)] == ["loaded", "joined", "joined"]


def test_partnerstack_customers_alone_still_load_as_before(tmp_path, con):
    landing = tmp_path / "landing"
    drop(landing, "partnerstack/customers.csv", "affiliate")
    load_source(con, landing, "affiliate", log=quiet, today=TODAY)
    assert [(s, f) for _, s, f, *_ in log_of(con)] == [("loaded", "partnerstack_customers")]


def test_salesforce_fund_requests_with_claims_spent_is_approved_or_paid(tmp_path, con):
    landing = tmp_path / "landing"
    drop(landing, "salesforce/PartnerFundRequest_dataloader_export.csv", "mdf")
    drop(landing, "salesforce/PartnerFundClaim_dataloader_export.csv", "mdf")
    load_source(con, landing, "mdf", log=quiet, today=TODAY)
    assert rows(
        con,
        "SELECT request_id, approved_amount, spent_amount, claimed_at, proof_of_performance "
        "FROM raw.mdf__fund_requests ORDER BY 1",
    ) == [
        # claims of PFR01: Paid 18250.75 (counted), Rejected 1500.0, and the deleted Draft
        # 18250.75 entered twice (IsDeleted=true): neither counted
        ("0Fr5g00000PFR01CAH", Decimal("20000"), Decimal("18250.75"),
         dt.datetime(2024, 6, 20, 10), True),
        ("0Fr5g00000PFR02CAH", None, None, None, None),  # no claims
        ("0Fr5g00000PFR03CAH", Decimal("0"), None, None, None),
    ]  # fmt: skip
    assert [(s, f) for _, s, f, *_ in log_of(con)] == [
        ("loaded", "salesforce_partner_fund_request_claims"),
        ("joined", "salesforce_partner_fund_request_claims"),
    ]


def test_claims_exported_without_is_deleted_keep_every_claim_of_its_status(tmp_path, con):
    """A plain export (not Export All) has no IsDeleted column: the `where` on it keeps all."""
    landing = tmp_path / "landing"
    drop(landing, "salesforce/PartnerFundRequest_dataloader_export.csv", "mdf")
    put(
        landing,
        f"mdf/{DAY}/claims.csv",
        "Id,RequestId,ChannelPartnerId,Amount,Status,CreatedDate\n"
        "C1,0Fr5g00000PFR01CAH,0015g00000STWSxAAP,18250.75,Paid,2024-06-20T10:00:00.000Z\n"
        "C2,0Fr5g00000PFR01CAH,0015g00000STWSxAAP,1500.0,Rejected,2024-06-22T10:00:00.000Z\n",
    )
    load_source(con, landing, "mdf", log=quiet, today=TODAY)
    assert rows(con, "SELECT spent_amount FROM raw.mdf__fund_requests ORDER BY 1 NULLS LAST") == [
        (Decimal("18250.75"),),
        (None,),
        (None,),
    ]


def test_hubspot_fivetran_deals_with_their_primary_company_deleted_and_merged_set_aside(
    tmp_path, con
):
    landing = tmp_path / "landing"
    deals = drop(landing, "hubspot/fivetran_deal.csv", "crm")
    drop(landing, "hubspot/fivetran_deal_company.csv", "crm")
    drop(landing, "hubspot/fivetran_merged_deal.csv", "crm")
    # a deal merged into 15002 (merged_deal: 15002 <- 15005), still in the synced deal table
    with (landing / deals).open("a") as f:
        f.write(
            "15005,false,default,closedwon,70001,4727653,Bluepeak - New Business (2),,48000,"
            "2024-04-15 00:00:00,2024-02-02 10:00:00,USD,15005,2024-05-16 03:15:53\n"
        )
    load_source(con, landing, "crm", log=quiet, today=TODAY)
    assert rows(
        con,
        "SELECT opportunity_id, account_id, opportunity_name, created_at, close_date, stage, "
        "is_closed, is_won, amount, currency, updated_at, _line_number "
        "FROM raw.crm__opportunities ORDER BY _line_number",
    ) == [
        # primary company 9101 (type_id 5), not the unlabeled 341 rows (9101 again, 9106)
        ("15001", "9101", "Northwind - Platform Expansion", dt.datetime(2024, 1, 15, 14),
         dt.date(2024, 3, 28), "closedwon", True, True, Decimal("120000"), "USD",
         dt.datetime(2024, 5, 16, 3, 15, 52), 2),
        ("15002", "9102", "Bluepeak - New Business", dt.datetime(2024, 2, 1, 10, 10),
         dt.date(2024, 4, 15), "closedwon", True, True, Decimal("48000"), "USD",
         dt.datetime(2024, 5, 16, 3, 15, 52), 3),
        ("15003", "9103", "Cobalt Ledger - Pilot", dt.datetime(2024, 3, 3, 9),
         dt.date(2024, 6, 30), "presentationscheduled", False, False, Decimal("15000"), "GBP",
         dt.datetime(2024, 5, 16, 3, 15, 52), 4),
    ]  # fmt: skip
    # 15004 sits in a custom pipeline's stage 8812349: closed or not cannot be told from the id
    assert rows(con, "SELECT line_number, reason FROM audit.quarantine") == [
        (
            5,
            "is_closed: '8812349' is not a boolean (true/false, yes/no, 1/0); "
            "is_won: '8812349' is not a boolean (true/false, yes/no, 1/0)",
        )
    ]
    assert rows(
        con,
        "SELECT rows_read, rows_loaded, rows_quarantined, rows_set_aside, set_aside_rules "
        "FROM audit.load_log WHERE status = 'loaded'",
    ) == [
        (6, 3, 1, 2,
         "deleted deal (is_deleted): 1; merged into another deal (merged_deal), counted there: 1"),
    ]  # fmt: skip
    assert [(p.split("/")[-1], s, f) for p, s, f, *_ in log_of(con)] == [
        ("fivetran_deal.csv", "loaded", "hubspot_fivetran_deal"),
        ("fivetran_deal_company.csv", "joined", "hubspot_fivetran_deal"),
        ("fivetran_merged_deal.csv", "joined", "hubspot_fivetran_deal"),
    ]
