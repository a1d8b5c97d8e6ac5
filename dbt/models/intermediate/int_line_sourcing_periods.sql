-- Which partner sources each revenue line on each day X, history restated (METRICS.md sections 0
-- and 2). The one home of the sourcing precedence; first match wins: 1 an approved deal
-- registration naming the opportunity, registered on or before its creation or within the grace
-- days after, unless it lapsed before the opportunity existed; 2 a converted referral on its
-- account within the look-back before creation; 3 a marketplace transaction linked to it. Ties:
-- earliest event, then smallest id. On X it applies to the events dated on or before X, from the
-- line's creation on: a later event of a higher rule (a registration in the grace days) takes
-- over from an earlier one of a lower rule (a marketplace transaction); a line with no event yet
-- on X is not sourced on X. A marketplace-only line is sourced by its own transaction's partner.
-- One row per line and period; `valid_to` is inclusive, D for the period of D (which
-- int_opportunities_sourced reads).
with opportunities as (
    select
        opportunity_id,
        account_id,
        created_date
    from {{ ref('int_opportunities_valued') }}
),

partners as (
    select partner_id from {{ ref('int_partners') }}
),

registrations as (
    select * from {{ ref('int_deal_registrations_matched') }}
),

referrals as (
    select * from {{ ref('int_referrals_matched') }}
),

marketplace_transactions as (
    select * from {{ ref('int_marketplace_transactions_linked') }}
),

by_registration as (
    select
        opportunities.opportunity_id,
        opportunities.created_date,
        registrations.partner_id,
        'deal_registration' as source_rule,
        1 as rule_precedence,
        registrations.registered_at as event_at,
        registrations.registration_id as event_id
    from registrations
    inner join opportunities on registrations.opportunity_id = opportunities.opportunity_id
    where
        registrations.is_approved
        and not registrations.is_lapsed_before_opportunity
        and registrations.registered_date
        <= {{ add_days('opportunities.created_date', var('deal_registration_grace_days')) }}
),

by_referral as (
    select
        opportunities.opportunity_id,
        opportunities.created_date,
        referrals.partner_id,
        'referral' as source_rule,
        2 as rule_precedence,
        referrals.converted_at as event_at,
        referrals.referral_id as event_id
    from referrals
    inner join opportunities on referrals.account_id = opportunities.account_id
    where
        referrals.is_converted_as_of
        and referrals.converted_date <= opportunities.created_date
        and referrals.converted_date
        >= {{ add_days('opportunities.created_date', -var('referral_lookback_days')) }}
),

by_marketplace as (
    select
        opportunities.opportunity_id,
        opportunities.created_date,
        marketplace_transactions.partner_id,
        'marketplace' as source_rule,
        3 as rule_precedence,
        marketplace_transactions.transaction_at as event_at,
        marketplace_transactions.transaction_id as event_id
    from marketplace_transactions
    inner join opportunities
        on marketplace_transactions.opportunity_id = opportunities.opportunity_id
),

candidates_unioned as (
    select * from by_registration
    union all
    select * from by_referral
    union all
    select * from by_marketplace
),

candidates as (
    select
        candidates_unioned.*,
        -- an event counts from its own date, and never before the line exists
        greatest(
            candidates_unioned.created_date, cast(candidates_unioned.event_at as date)
        ) as effective_from,
        row_number() over (
            partition by candidates_unioned.opportunity_id
            order by
                candidates_unioned.rule_precedence,
                candidates_unioned.event_at,
                candidates_unioned.event_id
        ) as candidate_rank
    from candidates_unioned
    inner join partners on candidates_unioned.partner_id = partners.partner_id
),

-- in the order the events became effective, an event takes over when it outranks every earlier one
takeovers as (
    select
        *,
        min(candidate_rank) over (
            partition by opportunity_id
            order by effective_from, candidate_rank
            rows between unbounded preceding and 1 preceding
        ) as best_earlier_rank
    from candidates
),

opportunity_periods as (
    select
        opportunity_id as line_id,
        partner_id as sourcing_partner_id,
        source_rule,
        event_id as source_event_id,
        event_at as source_event_at,
        effective_from as valid_from,
        coalesce(
            {{ add_days(
                'lead(effective_from) over (partition by opportunity_id order by effective_from)',
                -1
            ) }},
            {{ as_of_date() }}
        ) as valid_to
    from takeovers
    where best_earlier_rank is null or candidate_rank < best_earlier_rank
),

marketplace_only_periods as (
    select
        {{ marketplace_line_id('transaction_id') }} as line_id,
        partner_id as sourcing_partner_id,
        'marketplace' as source_rule,
        transaction_id as source_event_id,
        transaction_at as source_event_at,
        transaction_date as valid_from,
        {{ as_of_date() }} as valid_to
    from marketplace_transactions
    where opportunity_id is null
),

final as (
    select * from opportunity_periods
    union all
    select * from marketplace_only_periods
)

select * from final
