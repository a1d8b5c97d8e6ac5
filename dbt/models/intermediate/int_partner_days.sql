-- Each partner's state on each day X of the KPI series (the last kpi_series_days days up to D),
-- with the rules applied at X to everything dated on or before X (METRICS.md section 0):
-- signed, active, first deal and latest NPS score. program_kpis aggregates it; dim_partners reads
-- the row of D, so both tell the same story.
-- Each "as of X" value is a running max / min over the partner's days, fed by the events that
-- became known that day (events known before the series are folded into its first day), so the
-- cost grows with partners × days, not with events × days.
{%- set series_days = var('kpi_series_days') %}
{%- set activity_days = var('activity_window_days') %}
{%- set nps_days = var('nps_window_days') %}
{%- set series_start = add_days(as_of_date(), -(series_days - 1)) %}

with partners as (
    select * from {{ ref('int_partners') }}
),

activity_events as (
    select * from {{ ref('int_partner_activity_events') }}
),

won_deals as (
    select * from {{ ref('int_partner_won_deals') }}
),

survey_responses as (
    select * from {{ ref('stg_surveys__partner_nps') }}
),

series_days as (
    {{ date_spine(series_start, as_of_date()) }}
),

activity_known as (
    select
        partner_id,
        greatest(known_date, {{ series_start }}) as known_day,
        max(activity_date) as latest_activity_date
    from activity_events
    where known_date <= {{ as_of_date() }}
    group by partner_id, greatest(known_date, {{ series_start }})
),

deals_known as (
    select
        partner_id,
        greatest(known_date, {{ series_start }}) as known_day,
        min(deal_date) as earliest_deal_date
    from won_deals
    where known_date <= {{ as_of_date() }}
    group by partner_id, greatest(known_date, {{ series_start }})
),

-- responses in the order they were given; the latest one on or before X is the partner's latest
-- score, when it is inside the NPS window
nps_responses as (
    select
        responses.partner_id,
        responses.responded_date,
        responses.score,
        row_number() over (
            partition by responses.partner_id
            order by responses.responded_at, responses.response_id
        ) as response_sequence
    from survey_responses as responses
    inner join partners on responses.partner_id = partners.partner_id
    where responses.responded_date <= {{ as_of_date() }}
),

nps_known as (
    select
        partner_id,
        greatest(responded_date, {{ series_start }}) as known_day,
        max(response_sequence) as latest_response_sequence
    from nps_responses
    group by partner_id, greatest(responded_date, {{ series_start }})
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
        max(activity_known.latest_activity_date) over partner_history as last_activity_date,
        min(deals_known.earliest_deal_date) over partner_history as first_deal_date,
        max(nps_known.latest_response_sequence) over partner_history as latest_response_sequence
    from series_days
    cross join partners
    left join activity_known
        on
            partners.partner_id = activity_known.partner_id
            and series_days.date_day = activity_known.known_day
    left join deals_known
        on
            partners.partner_id = deals_known.partner_id
            and series_days.date_day = deals_known.known_day
    left join nps_known
        on
            partners.partner_id = nps_known.partner_id
            and series_days.date_day = nps_known.known_day
    window partner_history as (
        partition by partners.partner_id
        order by series_days.date_day
        rows between unbounded preceding and current row
    )
),

final as (
    select
        partner_days.date_day,
        partner_days.partner_id,
        partner_days.is_signed,
        coalesce(
            partner_days.is_signed
            and partner_days.last_activity_date
            > {{ add_days('partner_days.date_day', -activity_days) }},
            false
        ) as is_active,
        partner_days.last_activity_date,
        partner_days.first_deal_date,
        {{ days_between('partner_days.agreement_date', 'partner_days.first_deal_date') }}
            as days_to_first_deal,
        {{ days_between('partner_days.agreement_date', 'partner_days.date_day') }}
            as days_since_agreement,
        case
            when nps_responses.responded_date > {{ add_days('partner_days.date_day', -nps_days) }}
                then nps_responses.score
        end as latest_nps_score
    from partner_days
    left join nps_responses
        on
            partner_days.partner_id = nps_responses.partner_id
            and partner_days.latest_response_sequence = nps_responses.response_sequence
)

select * from final
