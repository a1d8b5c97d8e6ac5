-- Pipeline potential per partner (METRICS.md section 6): its win rate (won ÷ closed among the
-- opportunities it sourced or touched that closed in the trailing days) over the same rate for
-- all partner-influenced opportunities closed then, clamped; 1.0 with too few closed.
{%- set trailing_days = var('revenue_trailing_days') %}

with lines as (
    select * from {{ ref('int_revenue_lines') }}
),

line_links as (
    select * from {{ ref('int_partner_line_links') }}
),

partners as (
    select * from {{ ref('int_partners') }}
),

closed_opportunities as (
    select
        line_id,
        is_won
    from lines
    where
        line_kind = 'opportunity'
        and is_closed
        and window_end_date > {{ add_days(as_of_date(), -trailing_days) }}
),

partner_closed as (
    select distinct
        links.partner_id,
        closed_opportunities.line_id,
        closed_opportunities.is_won
    from line_links as links
    inner join closed_opportunities on links.line_id = closed_opportunities.line_id
),

program_rate as (
    select
        {{ ratio('count(distinct case when is_won then line_id end) * 1.0',
            'nullif(count(distinct line_id), 0)') }} as win_rate
    from partner_closed
),

partner_rates as (
    select
        partner_id,
        count(*) as closed_opportunities,
        count(case when is_won then 1 end) as won_opportunities
    from partner_closed
    group by partner_id
),

final as (
    select
        partners.partner_id,
        coalesce(partner_rates.closed_opportunities, 0) as closed_opportunities,
        coalesce(partner_rates.won_opportunities, 0) as won_opportunities,
        cast(
            case
                when coalesce(partner_rates.closed_opportunities, 0)
                    < {{ var('pipeline_potential_min_closed') }}
                    then 1.0
                else coalesce(
                        greatest(
                            {{ var('pipeline_potential_min') }},
                            least(
                                {{ var('pipeline_potential_max') }},
                                {{ ratio('partner_rates.won_opportunities * 1.0',
                                    'partner_rates.closed_opportunities') }}
                                / nullif(program_rate.win_rate, 0)
                            )
                        ),
                        1.0
                    )
            end as double
        ) as pipeline_potential
    from partners
    left join partner_rates on partners.partner_id = partner_rates.partner_id
    cross join program_rate
)

select * from final
