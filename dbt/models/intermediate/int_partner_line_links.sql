-- Which partners each revenue line is linked to as of D: its sourcing partner and every partner
-- with a touch in its window (the stretches of int_partner_line_link_periods that hold on D).
-- Used for pipeline potential; past days read the periods.
with link_periods as (
    select * from {{ ref('int_partner_line_link_periods') }}
),

final as (
    select
        partner_id,
        line_id,
        line_kind,
        created_date,
        close_date,
        is_won,
        amount
    from link_periods
    where valid_to = {{ as_of_date() }}
)

select * from final
