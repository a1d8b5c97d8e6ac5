-- The program's headline KPIs as of each day X of the last kpi_series_days days (METRICS.md
-- section 4). The row of D is tonight's figure; earlier rows restate history with the rules at X.
{%- set series_days = var('kpi_series_days') %}
{%- set trailing_days = var('revenue_trailing_days') %}
{%- set target_days = var('first_deal_target_days') %}

{%- set series_start = add_days(as_of_date(), -(series_days - 1)) %}

with partner_days as (
    select * from {{ ref('int_partner_days') }}
),

sourcing_periods as (
    select * from {{ ref('int_line_sourcing_periods') }}
),

touch_periods as (
    select * from {{ ref('int_line_touch_periods') }}
),

lines as (
    select * from {{ ref('int_revenue_lines') }}
),

series_days as (
    {{ date_spine(series_start, as_of_date()) }}
),

won_lines as (
    select
        line_id,
        revenue_usd,
        close_date
    from lines
    where is_won and revenue_usd is not null
),

-- from the close on, the first day a won line is sourced (by whichever event sources it then)
-- and the first day one of its window touches counts (history restated, METRICS.md section 0)
first_sourced as (
    select
        won_lines.line_id,
        min(greatest(sourcing_periods.valid_from, won_lines.close_date)) as sourced_from
    from sourcing_periods
    inner join won_lines on sourcing_periods.line_id = won_lines.line_id
    where sourcing_periods.valid_to >= won_lines.close_date
    group by won_lines.line_id
),

first_touched as (
    select
        won_lines.line_id,
        min(touch_periods.counts_from) as touched_from
    from touch_periods
    inner join won_lines on touch_periods.line_id = won_lines.line_id
    where touch_periods.counts_from >= won_lines.close_date
    group by won_lines.line_id
),

-- A won line counts on day X from its close (as sourced or influenced, from the first day it is
-- sourced or touched on) until it leaves the trailing window.
line_periods as (
    select
        'total' as measure,
        revenue_usd,
        close_date as counts_from,
        close_date as closed_on
    from won_lines
    union all
    select
        'sourced' as measure,
        won_lines.revenue_usd,
        first_sourced.sourced_from as counts_from,
        won_lines.close_date as closed_on
    from won_lines
    inner join first_sourced on won_lines.line_id = first_sourced.line_id
    union all
    select
        'influenced' as measure,
        won_lines.revenue_usd,
        least(
            coalesce(first_sourced.sourced_from, first_touched.touched_from),
            coalesce(first_touched.touched_from, first_sourced.sourced_from)
        ) as counts_from,
        won_lines.close_date as closed_on
    from won_lines
    left join first_sourced on won_lines.line_id = first_sourced.line_id
    left join first_touched on won_lines.line_id = first_touched.line_id
    where first_sourced.line_id is not null or first_touched.line_id is not null
),

-- +revenue the day a line starts counting, -revenue the day it leaves the window; changes before
-- the series are folded into its first day, so a running sum gives each day's trailing figure
revenue_changes as (
    select
        measure,
        greatest(counts_from, {{ series_start }}) as change_day,
        revenue_usd as change
    from line_periods
    where counts_from < {{ add_days('closed_on', trailing_days) }}
    union all
    select
        measure,
        greatest({{ add_days('closed_on', trailing_days) }}, {{ series_start }}) as change_day,
        -revenue_usd as change
    from line_periods
    where counts_from < {{ add_days('closed_on', trailing_days) }}
),

daily_changes as (
    select
        series_days.date_day,
        {%- for measure in ['total', 'sourced', 'influenced'] %}
            coalesce(sum(
                case when revenue_changes.measure = '{{ measure }}' then revenue_changes.change end
            ), 0) as {{ measure }}_change{% if not loop.last %},{% endif %}
        {%- endfor %}
    from series_days
    left join revenue_changes on series_days.date_day = revenue_changes.change_day
    group by series_days.date_day
),

trailing_revenue as (
    select
        date_day,
        sum(total_change) over running as trailing_revenue_usd,
        sum(sourced_change) over running as trailing_sourced_revenue_usd,
        sum(influenced_change) over running as trailing_influenced_revenue_usd
    from daily_changes
    window running as (order by date_day rows between unbounded preceding and current row)
),

partner_stats as (
    select
        date_day,
        count(case when is_signed then 1 end) as signed_partners,
        count(case when is_active then 1 end) as active_partners,
        {{ median(
            'case when is_signed and first_deal_date is not null then days_to_first_deal end'
        ) }} as median_days_to_first_deal,
        -- a mean of doubles: Spark's mean of decimals keeps 5 places (DuckDB's is a double)
        avg(
            cast(case
                when is_signed and first_deal_date is not null
                    then case when days_to_first_deal < {{ target_days }} then 1.0 else 0.0 end
            end as double)
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
        cast(trailing_revenue.trailing_revenue_usd as {{ money_type() }}) as total_revenue_usd,
        cast(trailing_revenue.trailing_sourced_revenue_usd as {{ money_type() }})
            as partner_sourced_revenue_usd,
        cast(trailing_revenue.trailing_influenced_revenue_usd as {{ money_type() }})
            as partner_influenced_revenue_usd,
        cast(
            {{ ratio('trailing_revenue.trailing_sourced_revenue_usd',
                'nullif(trailing_revenue.trailing_revenue_usd, 0)') }} as double
        ) as sourced_share,
        cast(
            {{ ratio('trailing_revenue.trailing_influenced_revenue_usd',
                'nullif(trailing_revenue.trailing_revenue_usd, 0)') }} as double
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
            / nullif(partner_stats.active_partners, 0) as {{ money_type() }}
        ) as revenue_per_active_partner_usd
    from trailing_revenue
    -- every day of the series has a row, with no partner at all too
    left join partner_stats on trailing_revenue.date_day = partner_stats.date_day
)

select * from final
