-- The days X on which each touch counts toward its revenue line, history restated (METRICS.md
-- section 0): on X the line must exist (X on or after its creation), the touch must be dated on
-- or before X, and it must fall in the influence window as of X, which ends at the close date once
-- the line closed by X and at X while it is open; an install must not be uninstalled by then, and
-- an MDF touch counts once its fund request exists. A touch gives at most two periods: while the
-- line is open (the window slides with X) and from the close on (the window is fixed).
-- `counts_to` is inclusive; D when the touch still counts on D. int_line_touches is the row of D.
{%- set window_days = var('influence_window_days') %}

with lines as (
    select * from {{ ref('int_revenue_lines') }}
),

touches as (
    select * from {{ ref('int_touches_unioned') }}
    -- a lapsed registration is no touch; a same-day duplicate counts once (METRICS.md section 2)
    where not is_registration_lapsed and not is_same_day_duplicate
),

referrals as (
    select * from {{ ref('int_referrals_matched') }}
),

installs as (
    select * from {{ ref('int_integration_installs_matched') }}
),

fund_requests as (
    select * from {{ ref('stg_mdf__fund_requests') }}
),

partners as (
    select partner_id from {{ ref('int_partners') }}
),

opportunity_lines as (
    select
        line_id,
        account_id,
        created_date,
        case when is_closed then close_date end as closed_date,
        window_end_date
    from lines
    where line_kind = 'opportunity'
),

-- int_touches_unioned keeps referral and integration touches by the window of D; a past day's
-- window reaches back further (to the creation date less the window), so derive them here again
referral_touches as (
    select
        referrals.referral_id as touch_id,
        'referral' as touch_kind,
        opportunity_lines.line_id,
        referrals.partner_id,
        referrals.converted_at as touched_at,
        cast(null as date) as uninstalled_date
    from referrals
    inner join opportunity_lines
        on
            referrals.account_id = opportunity_lines.account_id
            and referrals.converted_date <= opportunity_lines.window_end_date
            and referrals.converted_date
            >= {{ add_days('opportunity_lines.created_date', -window_days) }}
    where referrals.is_converted_as_of
),

integration_touches as (
    select
        installs.install_id as touch_id,
        'integration' as touch_kind,
        opportunity_lines.line_id,
        installs.partner_id,
        installs.installed_at as touched_at,
        installs.uninstalled_date
    from installs
    inner join opportunity_lines
        on
            installs.account_id = opportunity_lines.account_id
            and installs.installed_date <= opportunity_lines.window_end_date
            and (
                installs.uninstalled_date is null
                or installs.uninstalled_date
                > greatest(installs.installed_date, opportunity_lines.created_date)
            )
),

account_touches as (
    select * from referral_touches
    union all
    select * from integration_touches
),

account_touches_ranked as (
    select
        account_touches.*,
        row_number() over (
            partition by
                account_touches.partner_id,
                account_touches.touch_kind,
                account_touches.line_id,
                cast(account_touches.touched_at as date)
            order by account_touches.touch_id
        ) as same_day_rank
    from account_touches
    inner join partners on account_touches.partner_id = partners.partner_id
),

account_touches_deduplicated as (
    select * from account_touches_ranked
    where same_day_rank = 1
),

-- an MDF touch is dated at the opportunity's creation but exists from the partner's first fund
-- request for the campaign (not rejected or cancelled)
mdf_requested as (
    select
        'mdf:' || campaign_id || ':' || partner_id as touch_id,
        min(cast(requested_at as date)) as requested_date
    from fund_requests
    where
        status not in ('rejected', 'cancelled')
        and cast(requested_at as date) <= {{ as_of_date() }}
    group by campaign_id, partner_id
),

other_touches as (
    select
        touches.touch_id,
        touches.touch_kind,
        touches.opportunity_id as line_id,
        touches.partner_id,
        touches.touched_at,
        cast(null as date) as uninstalled_date,
        greatest(touches.touched_date, coalesce(mdf_requested.requested_date, touches.touched_date))
            as known_date
    from touches
    left join mdf_requested
        on touches.touch_kind = 'mdf_campaign' and touches.touch_id = mdf_requested.touch_id
    -- the derived referral and integration touches are replaced by the ones above (the CRM may
    -- log touches of those kinds too: they stay)
    left join referrals
        on touches.touch_kind = 'referral' and touches.touch_id = referrals.referral_id
    left join installs
        on touches.touch_kind = 'integration' and touches.touch_id = installs.install_id
    where referrals.referral_id is null and installs.install_id is null
),

all_touches as (
    select
        touch_id,
        touch_kind,
        line_id,
        partner_id,
        touched_at,
        uninstalled_date,
        cast(touched_at as date) as known_date
    from account_touches_deduplicated
    union all
    select
        touch_id,
        touch_kind,
        line_id,
        partner_id,
        touched_at,
        uninstalled_date,
        known_date
    from other_touches
),

dated as (
    select
        all_touches.*,
        cast(all_touches.touched_at as date) as touched_date,
        opportunity_lines.created_date,
        opportunity_lines.closed_date
    from all_touches
    inner join opportunity_lines on all_touches.line_id = opportunity_lines.line_id
),

-- while open on X: touched on or before X, within the window before X, not uninstalled by X
open_periods as (
    select
        line_id,
        partner_id,
        touch_id,
        touch_kind,
        touched_at,
        greatest(created_date, touched_date, known_date) as counts_from,
        least(
            {{ add_days('touched_date', window_days) }},
            coalesce({{ add_days('closed_date', -1) }}, {{ as_of_date() }}),
            coalesce({{ add_days('uninstalled_date', -1) }}, {{ as_of_date() }}),
            {{ as_of_date() }}
        ) as counts_to
    from dated
),

-- closed by X: the window before the close date, fixed from the close on
closed_periods as (
    select
        line_id,
        partner_id,
        touch_id,
        touch_kind,
        touched_at,
        greatest(closed_date, known_date) as counts_from,
        {{ as_of_date() }} as counts_to
    from dated
    where
        closed_date is not null
        and touched_date <= closed_date
        and touched_date >= {{ add_days('closed_date', -window_days) }}
        and (uninstalled_date is null or uninstalled_date > closed_date)
),

-- a marketplace-only line's one touch is its transaction, from that day on
marketplace_only_periods as (
    select
        line_id,
        sourcing_partner_id as partner_id,
        transaction_id as touch_id,
        'marketplace' as touch_kind,
        transaction_at as touched_at,
        created_date as counts_from,
        {{ as_of_date() }} as counts_to
    from lines
    where line_kind = 'marketplace_only'
),

final as (
    select * from open_periods
    where counts_from <= counts_to
    union all
    select * from closed_periods
    union all
    select * from marketplace_only_periods
)

select * from final
