-- Each partner's key metric as of D (METRICS.md section 8), the one of its type, for every
-- partner of the type, signed or not. Over the trailing key_metric_trailing_days (D - N, D]:
-- technology: active integrations, its installs installed on or before D and not uninstalled on
--   or before D (a count of what is live on D, however long ago it was installed);
-- affiliate: revenue of its referrals converted in the window, at the conversion date's rate;
-- reseller and oem: revenue of won lines it sourced in the window (refunds subtract);
-- strategic_alliance: won opportunities closed in the window with a co_sell touch of the partner
--   in their influence window (a count).
-- Money that cannot be converted stays out of the sums.
{%- set window_start = add_days(as_of_date(), -var('key_metric_trailing_days')) %}

with partners as (
    select * from {{ ref('int_partners') }}
),

partner_types as (
    select * from {{ ref('partner_types') }}
),

installs as (
    select * from {{ ref('int_integration_installs_matched') }}
),

referrals as (
    select * from {{ ref('int_referrals_matched') }}
),

lines as (
    select * from {{ ref('int_revenue_lines') }}
),

line_touches as (
    select * from {{ ref('int_line_touches') }}
),

fx as (
    select * from {{ ref('int_fx_rates_daily') }}
),

active_integrations as (
    select
        partner_id,
        count(*) as metric_value
    from installs
    where
        installed_date <= {{ as_of_date() }}
        and (uninstalled_date is null or uninstalled_date > {{ as_of_date() }})
    group by partner_id
),

referred_revenue as (
    -- a referral without a currency is in the reporting currency
    select
        referrals.partner_id,
        sum(
            {{ to_reporting_currency(
                'referrals.revenue',
                "coalesce(referrals.currency, '" ~ var('reporting_currency') ~ "')",
                'fx.rate_to_reporting'
            ) }}
        ) as metric_value
    from referrals
    left join fx
        on
            coalesce(referrals.currency, '{{ var("reporting_currency") }}') = fx.currency
            and referrals.converted_date = fx.rate_day
    where
        referrals.is_converted_as_of
        and referrals.converted_date > {{ window_start }}
    group by referrals.partner_id
),

sourced_revenue as (
    select
        sourcing_partner_id as partner_id,
        sum(revenue_usd) as metric_value
    from lines
    where
        is_won
        and sourcing_partner_id is not null
        and close_date > {{ window_start }}
        and close_date <= {{ as_of_date() }}
    group by sourcing_partner_id
),

co_sold_deals as (
    select
        line_touches.partner_id,
        count(distinct lines.line_id) as metric_value
    from line_touches
    inner join lines on line_touches.line_id = lines.line_id
    where
        line_touches.touch_kind = 'co_sell'
        and lines.line_kind = 'opportunity'
        and lines.is_won
        and lines.close_date > {{ window_start }}
        and lines.close_date <= {{ as_of_date() }}
    group by line_touches.partner_id
),

final as (
    select
        partners.partner_id,
        partners.partner_type,
        partner_types.key_metric,
        cast(coalesce(
            case partners.partner_type
                when 'technology' then active_integrations.metric_value
                when 'affiliate' then referred_revenue.metric_value
                when 'reseller' then sourced_revenue.metric_value
                when 'oem' then sourced_revenue.metric_value
                when 'strategic_alliance' then co_sold_deals.metric_value
            end,
            0
        ) as {{ money_type() }}) as key_metric_value
    from partners
    left join partner_types on partners.partner_type = partner_types.partner_type
    left join active_integrations on partners.partner_id = active_integrations.partner_id
    left join referred_revenue on partners.partner_id = referred_revenue.partner_id
    left join sourced_revenue on partners.partner_id = sourced_revenue.partner_id
    left join co_sold_deals on partners.partner_id = co_sold_deals.partner_id
)

select * from final
