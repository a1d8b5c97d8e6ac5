-- Each partner's first deal (METRICS.md section 4): the first date on or after its agreement date
-- on which a revenue line it sourced or influenced closed won. Refunds are never a first deal.
with line_links as (
    select * from {{ ref('int_partner_line_links') }}
),

partners as (
    select * from {{ ref('int_partners') }}
),

final as (
    select
        partners.partner_id,
        min(line_links.close_date) as first_deal_date
    from partners
    inner join line_links on partners.partner_id = line_links.partner_id
    where
        line_links.is_won
        and line_links.amount >= 0
        and line_links.close_date >= partners.agreement_date
    group by partners.partner_id
)

select * from final
