-- What each MDF fund request spent, in the reporting currency, and on which day (METRICS.md
-- section 6): the claim date, else the approval date, else the request date (a claim or approval
-- dated after D has not happened yet). Every request of an existing partner up to D, whatever
-- its status: a spend is a spend (fct_mdf_roi reports spent_usd the same way).
with fund_requests as (
    select * from {{ ref('stg_mdf__fund_requests') }}
),

partners as (
    select * from {{ ref('int_partners') }}
),

fx as (
    select * from {{ ref('int_fx_rates_daily') }}
),

requests as (
    -- requests of deleted partners are gone with them
    select fund_requests.*
    from fund_requests
    inner join partners on fund_requests.partner_id = partners.partner_id
    where cast(fund_requests.requested_at as date) <= {{ as_of_date() }}
),

dated as (
    select
        request_id,
        partner_id,
        status,
        spent_amount,
        currency,
        cast(coalesce(
            case when cast(claimed_at as date) <= {{ as_of_date() }} then claimed_at end,
            case when cast(approved_at as date) <= {{ as_of_date() }} then approved_at end,
            requested_at
        ) as date) as spend_date
    from requests
),

final as (
    select
        dated.request_id,
        dated.partner_id,
        dated.status,
        dated.spend_date,
        dated.spent_amount,
        dated.currency,
        {{ to_reporting_currency('dated.spent_amount', 'dated.currency', 'fx.rate_to_reporting') }}
            as spent_usd
    from dated
    left join fx on dated.currency = fx.currency and dated.spend_date = fx.rate_day
)

select * from final
