-- Customer domains shared by several CRM accounts: the smallest account id wins the match
-- (LANDING.md); the others are listed here so someone can clean the CRM.
with accounts as (
    select * from {{ ref('stg_crm__accounts') }}
    where normalized_domain is not null
),

final as (
    select
        normalized_domain,
        count(*) as accounts_sharing_domain,
        min(account_id) as matched_account_id,
        {{ string_list('account_id') }} as account_ids
    from accounts
    group by normalized_domain
    having count(*) > 1
)

select * from final
