{#- The tier that trailing revenue and referrals earn (METRICS.md section 5): the highest tier of the
    seed partner_tiers whose revenue or referral threshold they reach (an empty threshold is never
    reached). The seed's lowest tier asks for nothing, so every count reaches at least it.
    `tiers` names the model's import CTE of the seed. -#}
{% macro tier_for(revenue_column, referrals_column, tiers='tiers') -%}
    {{ return(adapter.dispatch('tier_for')(revenue_column, referrals_column, tiers)) }}
{%- endmacro %}

{% macro default__tier_for(revenue_column, referrals_column, tiers) -%}
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

{#- Spark allows a correlated scalar subquery only when it aggregates: the tier of highest rank. -#}
{% macro spark__tier_for(revenue_column, referrals_column, tiers) -%}
    (
        select max_by({{ tiers }}.tier, {{ tiers }}.tier_rank)
        from {{ tiers }}
        where
            {{ revenue_column }} >= {{ tiers }}.min_revenue_usd
            or {{ referrals_column }} >= {{ tiers }}.min_referrals
    )
{%- endmacro %}
