-- The deals that can be a partner's first deal (METRICS.md section 4): won revenue lines it
-- sourced or influenced, closed on or after its agreement date; refunds never count. `known_date`
-- is when the deal counts for the partner (its close, or the partner's later link to it).
with line_links as (
    select * from {{ ref('int_partner_line_links') }}
),

partners as (
    select * from {{ ref('int_partners') }}
),

final as (
    select
        line_links.partner_id,
        line_links.line_id,
        line_links.close_date as deal_date,
        greatest(line_links.close_date, line_links.linked_date) as known_date
    from line_links
    inner join partners on line_links.partner_id = partners.partner_id
    where
        line_links.is_won
        and line_links.amount >= 0
        and line_links.close_date >= partners.agreement_date
)

select * from final
