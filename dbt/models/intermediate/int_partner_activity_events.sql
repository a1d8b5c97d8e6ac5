-- Dated events that make a partner active (METRICS.md section 4), with the days on which each
-- one counts for the partner, history restated (section 0): an opportunity it sourced or touched
-- was created or won (counts on the days the partner is linked to it, from the event on); a
-- marketplace-only line of its own happened (refunds never count); a referral of its own
-- converted; an integration of its own was installed (these three from their date on).
-- `counts_to` is inclusive, D when the event still counts on D. int_partner_days reads it.
with link_periods as (
    select * from {{ ref('int_partner_line_link_periods') }}
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
        valid_from as counts_from,
        valid_to as counts_to,
        'opportunity_created' as activity_kind
    from link_periods
    where line_kind = 'opportunity'
    union all
    select
        partner_id,
        close_date as activity_date,
        greatest(valid_from, close_date) as counts_from,
        valid_to as counts_to,
        'opportunity_won' as activity_kind
    from link_periods
    where line_kind = 'opportunity' and is_won and valid_to >= close_date
    union all
    select
        partner_id,
        close_date as activity_date,
        valid_from as counts_from,
        valid_to as counts_to,
        'marketplace_sale' as activity_kind
    from link_periods
    where line_kind = 'marketplace_only' and amount >= 0
    union all
    select
        partner_id,
        converted_date as activity_date,
        converted_date as counts_from,
        {{ as_of_date() }} as counts_to,
        'referral_converted' as activity_kind
    from referrals
    where is_converted_as_of
    union all
    select
        partner_id,
        installed_date as activity_date,
        installed_date as counts_from,
        {{ as_of_date() }} as counts_to,
        'integration_installed' as activity_kind
    from installs
),

final as (
    select distinct
        events.partner_id,
        events.activity_date,
        events.counts_from,
        events.counts_to,
        events.activity_kind
    from events
    inner join partners on events.partner_id = partners.partner_id
)

select * from final
