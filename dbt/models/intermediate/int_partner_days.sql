-- Each partner's state on each day X of the KPI series (the last kpi_series_days days up to D),
-- with the rules applied at X to everything dated on or before X (METRICS.md section 0):
-- signed, active, first deal and latest NPS score. program_kpis aggregates it; dim_partners reads
-- the row of D, so both tell the same story.
{%- set series_days = var('kpi_series_days') %}
{%- set activity_days = var('activity_window_days') %}
{%- set nps_days = var('nps_window_days') %}

with series_days as (
    {{ date_spine(add_days(as_of_date(), -(series_days - 1)), as_of_date()) }}
),

partners as (
    select * from {{ ref('int_partners') }}
),

activity_events as (
    select * from {{ ref('int_partner_activity_events') }}
),

first_deals as (
    select * from {{ ref('int_partner_first_deals') }}
),

nps_responses as (
    select responses.*
    from {{ ref('stg_surveys__partner_nps') }} as responses
    inner join partners on responses.partner_id = partners.partner_id
),

active_days as (
    select distinct
        series_days.date_day,
        activity_events.partner_id
    from series_days
    inner join activity_events
        on
            activity_events.activity_date <= series_days.date_day
            and activity_events.activity_date
            > {{ add_days('series_days.date_day', -activity_days) }}
),

last_activity as (
    select
        series_days.date_day,
        activity_events.partner_id,
        max(activity_events.activity_date) as last_activity_date
    from series_days
    inner join activity_events on activity_events.activity_date <= series_days.date_day
    group by series_days.date_day, activity_events.partner_id
),

ranked_nps as (
    select
        series_days.date_day,
        nps_responses.partner_id,
        nps_responses.score,
        row_number() over (
            partition by series_days.date_day, nps_responses.partner_id
            order by nps_responses.responded_at desc, nps_responses.response_id desc
        ) as response_rank
    from series_days
    inner join nps_responses
        on
            nps_responses.responded_date <= series_days.date_day
            and nps_responses.responded_date
            > {{ add_days('series_days.date_day', -nps_days) }}
),

partner_days as (
    select
        series_days.date_day,
        partners.partner_id,
        partners.agreement_date,
        coalesce(
            partners.agreement_date <= series_days.date_day
            and (
                partners.terminated_date is null
                or partners.terminated_date > series_days.date_day
            ),
            false
        ) as is_signed,
        case
            when first_deals.first_deal_date <= series_days.date_day
                then first_deals.first_deal_date
        end as first_deal_date
    from series_days
    cross join partners
    left join first_deals on partners.partner_id = first_deals.partner_id
),

final as (
    select
        partner_days.date_day,
        partner_days.partner_id,
        partner_days.is_signed,
        partner_days.is_signed and active_days.partner_id is not null as is_active,
        last_activity.last_activity_date,
        partner_days.first_deal_date,
        {{ days_between('partner_days.agreement_date', 'partner_days.first_deal_date') }}
            as days_to_first_deal,
        {{ days_between('partner_days.agreement_date', 'partner_days.date_day') }}
            as days_since_agreement,
        ranked_nps.score as latest_nps_score
    from partner_days
    left join active_days
        on
            partner_days.date_day = active_days.date_day
            and partner_days.partner_id = active_days.partner_id
    left join last_activity
        on
            partner_days.date_day = last_activity.date_day
            and partner_days.partner_id = last_activity.partner_id
    left join ranked_nps
        on
            partner_days.date_day = ranked_nps.date_day
            and partner_days.partner_id = ranked_nps.partner_id
            and ranked_nps.response_rank = 1
)

select * from final
