-- The partner that sourced each opportunity, if any (METRICS.md section 2). Precedence, first
-- match wins: 1 an approved deal registration naming it, registered on or before its creation or
-- within the grace days after, unless it lapsed before the opportunity existed; 2 a converted
-- referral on its account within the look-back before creation; 3 a marketplace transaction
-- linked to it. Ties: earliest event, then smallest id.
with opportunities as (
    select * from {{ ref('int_opportunities_valued') }}
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
        opportunity_id,
        partner_id,
        'marketplace' as source_rule,
        3 as rule_precedence,
        transaction_at as event_at,
        transaction_id as event_id
    from marketplace_transactions
    where opportunity_id is not null
),

candidates as (
    select * from by_registration
    union all
    select * from by_referral
    union all
    select * from by_marketplace
),

ranked as (
    select
        candidates.*,
        row_number() over (
            partition by candidates.opportunity_id
            order by candidates.rule_precedence, candidates.event_at, candidates.event_id
        ) as candidate_rank
    from candidates
    inner join partners on candidates.partner_id = partners.partner_id
),

final as (
    select
        opportunity_id,
        partner_id as sourcing_partner_id,
        source_rule,
        event_id as source_event_id,
        event_at as source_event_at,
        cast(event_at as date) as source_event_date
    from ranked
    where candidate_rank = 1
)

select * from final
