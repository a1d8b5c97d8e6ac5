-- Opportunities that exist as of D, with their state as of D and their value in the reporting
-- currency (METRICS.md section 2): a close date after D means still open; the amount converts at
-- the close date's rate, at D's rate while open.
with opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
    where created_date <= {{ as_of_date() }}
),

fx as (
    select * from {{ ref('int_fx_rates_daily') }}
),

as_of_state as (
    select
        *,
        -- a closed opportunity without a close date closed when it was last updated
        case
            when is_closed then coalesce(close_date, cast(updated_at as date))
        end as effective_close_date
    from opportunities
),

dated as (
    select
        *,
        coalesce(effective_close_date <= {{ as_of_date() }}, false) as is_closed_as_of,
        coalesce(is_won and effective_close_date <= {{ as_of_date() }}, false) as is_won_as_of,
        case
            when effective_close_date <= {{ as_of_date() }} then effective_close_date
            else {{ as_of_date() }}
        end as window_end_date
    from as_of_state
),

final as (
    select
        dated.opportunity_id,
        dated.account_id,
        dated.created_at,
        dated.created_date,
        -- the expected close date while open; the (effective) close date once closed
        case
            when dated.is_closed_as_of then dated.effective_close_date else dated.close_date
        end as close_date,
        dated.is_closed_as_of,
        dated.is_won_as_of,
        dated.window_end_date,
        dated.amount,
        dated.currency,
        dated.campaign_id,
        dated.marketplace_offer_id,
        {{ to_reporting_currency('dated.amount', 'dated.currency', 'fx.rate_to_reporting') }}
            as amount_usd,
        {{ reporting_rate('dated.currency', 'fx.rate_to_reporting') }} as fx_rate
    from dated
    left join fx
        on dated.currency = fx.currency and dated.window_end_date = fx.rate_day
)

select * from final
