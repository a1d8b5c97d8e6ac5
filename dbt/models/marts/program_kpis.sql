-- The program's headline KPIs as of each day X of the last kpi_series_days days (METRICS.md
-- section 4). The row of D is tonight's figure; earlier rows restate history with the rules at X.
{%- set series_days = var('kpi_series_days') %}
{%- set trailing_days = var('revenue_trailing_days') %}
{%- set target_days = var('first_deal_target_days') %}

with revenue_days as (
    -- one extra trailing window before the series, so the first day's sums are complete
    {{ date_spine(add_days(as_of_date(), -(series_days + trailing_days - 2)), as_of_date()) }}
),

won_lines as (
    select * from {{ ref('fct_opportunity_partner') }}
    where is_won and revenue_usd is not null
),

partner_days as (
    select * from {{ ref('int_partner_days') }}
),

daily_revenue as (
    select
        revenue_days.date_day,
        coalesce(sum(won_lines.revenue_usd), 0) as revenue_usd,
        coalesce(sum(
            case when won_lines.sourcing_partner_id is not null then won_lines.revenue_usd end
        ), 0) as sourced_revenue_usd,
        coalesce(sum(
            case when won_lines.is_partner_influenced then won_lines.revenue_usd end
        ), 0) as influenced_revenue_usd
    from revenue_days
    left join won_lines on revenue_days.date_day = won_lines.close_date
    group by revenue_days.date_day
),

trailing_revenue as (
    select
        date_day,
        {%- for measure in ['revenue_usd', 'sourced_revenue_usd', 'influenced_revenue_usd'] %}
            sum({{ measure }}) over (
                order by date_day rows between {{ trailing_days - 1 }} preceding and current row
            ) as trailing_{{ measure }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from daily_revenue
),

partner_stats as (
    select
        date_day,
        count(case when is_signed then 1 end) as signed_partners,
        count(case when is_active then 1 end) as active_partners,
        {{ median(
            'case when is_signed and first_deal_date is not null then days_to_first_deal end'
        ) }} as median_days_to_first_deal,
        avg(
            case
                when is_signed and first_deal_date is not null
                    then case when days_to_first_deal < {{ target_days }} then 1.0 else 0.0 end
            end
        ) as share_first_deal_under_90d,
        count(
            case
                when
                    is_signed
                    and first_deal_date is null
                    and days_since_agreement > {{ target_days }}
                    then 1
            end
        ) as partners_waiting_past_90d,
        count(latest_nps_score) as nps_respondents,
        count(case when latest_nps_score >= 9 then 1 end) as nps_promoters,
        count(case when latest_nps_score <= 6 then 1 end) as nps_detractors
    from partner_days
    group by date_day
),

final as (
    select
        trailing_revenue.date_day as as_of_date,
        cast(trailing_revenue.trailing_revenue_usd as decimal(18, 2)) as total_revenue_usd,
        cast(trailing_revenue.trailing_sourced_revenue_usd as decimal(18, 2))
            as partner_sourced_revenue_usd,
        cast(trailing_revenue.trailing_influenced_revenue_usd as decimal(18, 2))
            as partner_influenced_revenue_usd,
        cast(
            trailing_revenue.trailing_sourced_revenue_usd
            / nullif(trailing_revenue.trailing_revenue_usd, 0) as double
        ) as sourced_share,
        cast(
            trailing_revenue.trailing_influenced_revenue_usd
            / nullif(trailing_revenue.trailing_revenue_usd, 0) as double
        ) as influenced_share,
        cast(coalesce(partner_stats.signed_partners, 0) as integer) as signed_partners,
        cast(coalesce(partner_stats.active_partners, 0) as integer) as active_partners,
        cast(
            partner_stats.active_partners * 1.0 / nullif(partner_stats.signed_partners, 0)
            as double
        ) as activation_rate,
        cast(partner_stats.median_days_to_first_deal as double) as median_days_to_first_deal,
        cast(partner_stats.share_first_deal_under_90d as double) as share_first_deal_under_90d,
        cast(coalesce(partner_stats.partners_waiting_past_90d, 0) as integer)
            as partners_waiting_past_90d,
        cast(
            100.0 * (partner_stats.nps_promoters - partner_stats.nps_detractors)
            / nullif(partner_stats.nps_respondents, 0) as double
        ) as partner_nps,
        -- program credits sum to 1 per influenced line, so program-credited revenue is the
        -- influenced revenue
        cast(
            trailing_revenue.trailing_influenced_revenue_usd
            / nullif(partner_stats.active_partners, 0) as decimal(18, 2)
        ) as revenue_per_active_partner_usd
    from trailing_revenue
    -- every day of the series has a row, with no partner at all too
    left join partner_stats on trailing_revenue.date_day = partner_stats.date_day
    where trailing_revenue.date_day > {{ add_days(as_of_date(), -series_days) }}
)

select * from final
