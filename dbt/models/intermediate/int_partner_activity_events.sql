-- Dated events that make a partner active (METRICS.md section 4): an opportunity it sourced or
-- touched was created or won; a marketplace-only line of its own happened (refunds never count);
-- a referral of its own converted; an integration of its own was installed. `known_date` is when
-- the event counts for the partner: an opportunity created before the partner touched it counts
-- from the touch on (still dated by its creation).

with line_links as (
    select * from {{ ref('int_partner_line_links') }}
),

referrals as (
    select * from {{ ref('int_referrals_matched') }}
),

installs as (
    select * from {{ ref('int_integration_installs_matched') }}
),

partners as (
    select * from {{ ref('int_partners') }}
),

events as (
    select
        partner_id,
        created_date as activity_date,
        linked_date,
        'opportunity_created' as activity_kind
    from line_links
    where line_kind = 'opportunity'
    union all
    select
        partner_id,
        close_date as activity_date,
        linked_date,
        'opportunity_won' as activity_kind
    from line_links
    where line_kind = 'opportunity' and is_won
    union all
    select
        partner_id,
        close_date as activity_date,
        linked_date,
        'marketplace_sale' as activity_kind
    from line_links
    where line_kind = 'marketplace_only' and amount >= 0
    union all
    select
        partner_id,
        converted_date as activity_date,
        converted_date as linked_date,
        'referral_converted' as activity_kind
    from referrals
    where is_converted_as_of
    union all
    select
        partner_id,
        installed_date as activity_date,
        installed_date as linked_date,
        'integration_installed' as activity_kind
    from installs
),

final as (
    select distinct
        events.partner_id,
        events.activity_date,
        greatest(events.activity_date, events.linked_date) as known_date,
        events.activity_kind
    from events
    inner join partners on events.partner_id = partners.partner_id
)

select * from final
