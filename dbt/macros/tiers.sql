{#- The tier that trailing revenue and referrals earn (METRICS.md section 5): the highest tier of the
    seed partner_tiers whose revenue or referral threshold they reach (an empty threshold is never
    reached). The seed's lowest tier asks for nothing, so every count reaches at least it.
    `tiers` names the model's import CTE of the seed. -#}
{% macro tier_for(revenue_column, referrals_column, tiers='tiers') -%}
    (
        select {{ tiers }}.tier
        from {{ tiers }}
        where
            {{ revenue_column }} >= {{ tiers }}.min_revenue_usd
            or {{ referrals_column }} >= {{ tiers }}.min_referrals
        order by {{ tiers }}.tier_rank desc
        limit 1
    )
{%- endmacro %}
