-- Every partner as of D: the CRM's partners, the CRM accounts whose type marks them as partners,
-- and one reseller per marketplace code neither knows (METRICS.md section 1: a marketplace is a
-- partner, never signed).
-- - A partner account (account_type listed in the seed account_type_partner_types, ignoring case
--   and spaces, or is_partner) is a partner whose id is the account id, signed when the account
--   was created (empty when the export lacks it: never signed). crm/partners wins: an account
--   listed there is that partner.
-- - Its type: the account type's partner_type; when that is empty (a generic type like
--   "Partner", or is_partner alone), the type of its most frequent role on its relationships
--   (seed partner_role_partner_types; ties: the role of its latest relationship), else the var
--   partner_account_default_type. Relationship rows naming the partner by name (a report) count
--   for the one account of that name. A role never makes an account a partner.
-- - A partner is a marketplace when its id is a marketplace code (the seed's, or one seen in
--   transactions), so a marketplace the CRM lists (with its own agreement) is one too.
with crm_partners as (
    select * from {{ ref('stg_crm__partners') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

account_types as (
    select * from {{ ref('account_type_partner_types') }}
),

touches as (
    select * from {{ ref('stg_crm__partner_touches') }}
),

role_types as (
    select * from {{ ref('partner_role_partner_types') }}
),

transactions as (
    select * from {{ ref('stg_marketplace__transactions') }}
),

marketplace_names as (
    select * from {{ ref('marketplaces') }}
),

marketplace_codes as (
    select distinct marketplace
    from transactions
    where transaction_date <= {{ as_of_date() }}
),

known_codes as (
    select marketplace from marketplace_codes
    union
    select marketplace from marketplace_names
),

account_names as (
    select
        {{ name_key('account_name') }} as name_key,
        min(account_id) as account_id,
        count(*) as accounts_with_name
    from accounts
    group by {{ name_key('account_name') }}
),

role_touches as (
    select
        coalesce(
            touches.partner_id,
            case when account_names.accounts_with_name = 1 then account_names.account_id end
        ) as partner_id,
        role_types.partner_type,
        touches.touched_at
    from touches
    inner join role_types
        on {{ name_key('touches.partner_role') }} = {{ name_key('role_types.partner_role') }}
    left join account_names
        on
            touches.partner_id is null
            and {{ name_key('touches.partner_name') }} = account_names.name_key
    where touches.touched_date is null or touches.touched_date <= {{ as_of_date() }}
),

role_votes as (
    select
        partner_id,
        partner_type,
        count(*) as relationships,
        max(touched_at) as latest_touched_at
    from role_touches
    where partner_id is not null
    group by partner_id, partner_type
),

role_ranked as (
    select
        partner_id,
        partner_type,
        row_number() over (
            partition by partner_id
            order by relationships desc, latest_touched_at desc nulls last, partner_type asc
        ) as role_rank
    from role_votes
),

partner_roles as (
    select
        partner_id,
        partner_type
    from role_ranked
    where role_rank = 1
),

partner_accounts as (
    select
        accounts.account_id as partner_id,
        accounts.account_name as partner_name,
        coalesce(
            account_types.partner_type,
            partner_roles.partner_type,
            '{{ var("partner_account_default_type") }}'
        ) as partner_type,
        accounts.created_at as agreement_signed_at,
        accounts.created_date as agreement_date,
        cast(null as date) as terminated_date,
        cast(null as double) as strategic_value_score,
        cast(null as {{ dbt.type_string() }}) as partner_manager,
        cast(null as {{ dbt.type_string() }}) as region
    from accounts
    left join account_types
        on {{ name_key('accounts.account_type') }} = {{ name_key('account_types.account_type') }}
    left join partner_roles on accounts.account_id = partner_roles.partner_id
    left join crm_partners on accounts.account_id = crm_partners.partner_id
    where
        crm_partners.partner_id is null
        and (account_types.account_type is not null or accounts.is_partner)
),

named_partners as (
    select
        partner_id,
        partner_name,
        partner_type,
        agreement_signed_at,
        agreement_date,
        terminated_date,
        strategic_value_score,
        partner_manager,
        region
    from crm_partners
    union all
    select * from partner_accounts
),

marketplace_partners as (
    select
        marketplace_codes.marketplace as partner_id,
        coalesce(marketplace_names.marketplace_name, marketplace_codes.marketplace)
            as partner_name,
        'reseller' as partner_type,
        cast(null as timestamp) as agreement_signed_at,
        cast(null as date) as agreement_date,
        cast(null as date) as terminated_date,
        cast(null as double) as strategic_value_score,
        cast(null as {{ dbt.type_string() }}) as partner_manager,
        cast(null as {{ dbt.type_string() }}) as region
    from marketplace_codes
    left join marketplace_names on marketplace_codes.marketplace = marketplace_names.marketplace
    left join named_partners on marketplace_codes.marketplace = named_partners.partner_id
    where named_partners.partner_id is null
),

unioned as (
    select * from named_partners
    union all
    select * from marketplace_partners
),

final as (
    select
        unioned.*,
        known_codes.marketplace is not null as is_marketplace,
        coalesce(
            unioned.agreement_date <= {{ as_of_date() }}
            and (
                unioned.terminated_date is null
                or unioned.terminated_date > {{ as_of_date() }}
            ),
            false
        ) as is_signed
    from unioned
    left join known_codes on unioned.partner_id = known_codes.marketplace
)

select * from final
