-- Integration installs up to D with their account (named, else matched by customer domain).
with installs as (
    select * from {{ ref('stg_marketplace__integration_installs') }}
    where installed_date <= {{ as_of_date() }}
),

account_domains as (
    select * from {{ ref('int_account_domains') }}
),

final as (
    select
        installs.install_id,
        installs.partner_id,
        installs.installed_at,
        installs.installed_date,
        installs.uninstalled_date,
        coalesce(installs.account_id, account_domains.account_id) as account_id
    from installs
    left join account_domains on installs.normalized_domain = account_domains.normalized_domain
)

select * from final
