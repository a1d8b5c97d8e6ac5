-- The program's partners by tier as of D (METRICS.md section 4, revenue per partner "by tier"):
-- how many, how many active, their program-credited revenue and what it comes to per active
-- partner, and next period's co-marketing budgets. Read from dim_partners, so both agree.
with partners as (
    select * from {{ ref('dim_partners') }}
    where tier is not null
),

tiers as (
    select * from {{ ref('partner_tiers') }}
),

final as (
    select
        tiers.tier,
        tiers.tier_rank,
        cast(count(partners.partner_id) as integer) as partners,
        cast(count(case when partners.is_active then 1 end) as integer) as active_partners,
        cast(coalesce(sum(partners.tier_revenue_usd), 0) as {{ money_type() }}) as tier_revenue_usd,
        cast(
            sum(partners.tier_revenue_usd)
            / nullif(count(case when partners.is_active then 1 end), 0) as {{ money_type() }}
        ) as revenue_per_active_partner_usd,
        cast(coalesce(sum(partners.comarketing_budget_usd), 0) as {{ money_type() }})
            as comarketing_budget_usd
    from tiers
    left join partners on tiers.tier = partners.tier
    group by tiers.tier, tiers.tier_rank
)

select * from final
