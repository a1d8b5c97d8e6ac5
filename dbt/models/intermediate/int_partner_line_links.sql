-- Which partners each revenue line is linked to: its sourcing partner and every partner with a
-- touch in its window. Used for activity and for the first deal (METRICS.md section 4).
with lines as (
    select * from {{ ref('int_revenue_lines') }}
),

touches as (
    select * from {{ ref('int_line_touches') }}
),

links as (
    select
        line_id,
        sourcing_partner_id as partner_id
    from lines
    where sourcing_partner_id is not null
    union
    select
        line_id,
        partner_id
    from touches
),

final as (
    select
        links.partner_id,
        lines.line_id,
        lines.line_kind,
        lines.created_date,
        lines.close_date,
        lines.is_won,
        lines.amount
    from links
    inner join lines on links.line_id = lines.line_id
)

select * from final
