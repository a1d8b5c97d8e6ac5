-- The days on which each partner is linked to each revenue line, history restated (METRICS.md
-- section 0): it sources the line on X (int_line_sourcing_periods), or one of its touches counts
-- toward the line on X (int_line_touch_periods). Overlapping and adjacent periods are merged, so
-- one row is one unbroken stretch; `valid_to` is inclusive, D when the link holds on D.
-- Activity, first deals and the links of D (int_partner_line_links) are read from here.
with touch_periods as (
    select * from {{ ref('int_line_touch_periods') }}
),

sourcing_periods as (
    select * from {{ ref('int_line_sourcing_periods') }}
),

lines as (
    select * from {{ ref('int_revenue_lines') }}
),

-- `union`, not `union all`: two equal periods of a pair (a touch period and a sourcing period
-- alike) tie in the order below, and the two windows may order tied rows differently (a parallel
-- sort): the second copy could then number a stretch of its own, starting on the same day
periods as (
    select
        line_id,
        partner_id,
        counts_from as valid_from,
        counts_to as valid_to
    from touch_periods
    union
    select
        line_id,
        sourcing_partner_id as partner_id,
        valid_from,
        valid_to
    from sourcing_periods
),

-- a period starts a new stretch when it begins after every earlier one of the pair has ended
stretch_starts as (
    select
        *,
        case
            when
                valid_from <= {{ add_days(
                    'max(valid_to) over (partition by line_id, partner_id order by valid_from, '
                    ~ 'valid_to rows between unbounded preceding and 1 preceding)', 1
                ) }}
                then 0
            else 1
        end as starts_stretch
    from periods
),

numbered as (
    select
        *,
        sum(starts_stretch) over (
            partition by line_id, partner_id
            order by valid_from, valid_to
            rows between unbounded preceding and current row
        ) as stretch_number
    from stretch_starts
),

stretches as (
    select
        line_id,
        partner_id,
        min(valid_from) as valid_from,
        max(valid_to) as valid_to
    from numbered
    group by line_id, partner_id, stretch_number
),

final as (
    select
        stretches.partner_id,
        stretches.line_id,
        stretches.valid_from,
        stretches.valid_to,
        lines.line_kind,
        lines.created_date,
        lines.close_date,
        lines.is_won,
        lines.amount
    from stretches
    inner join lines on stretches.line_id = lines.line_id
)

select * from final
