-- The account each normalised customer domain matches (LANDING.md, account matching): free-mail
-- domains never match; when several accounts share a domain the smallest account id wins and the
-- collision is kept in `accounts_sharing_domain`.
with accounts as (
    select * from {{ ref('stg_crm__accounts') }}
    where created_date is null or created_date <= {{ as_of_date() }}
),

free_mail as (
    select lower(domain) as domain from {{ ref('free_mail_domains') }}
),

candidates as (
    select
        accounts.normalized_domain,
        accounts.account_id,
        row_number() over (
            partition by accounts.normalized_domain order by accounts.account_id
        ) as domain_rank,
        count(*) over (partition by accounts.normalized_domain) as accounts_sharing_domain
    from accounts
    left join free_mail on accounts.normalized_domain = free_mail.domain
    where accounts.normalized_domain is not null and free_mail.domain is null
),

final as (
    select
        normalized_domain,
        account_id,
        accounts_sharing_domain
    from candidates
    where domain_rank = 1
)

select * from final
