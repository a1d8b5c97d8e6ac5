with current_versions as (
    {{ latest_version(source('affiliate', 'referrals')) }}
),

renamed as (
    select
        referral_id,
        partner_id,
        referred_at,
        customer_email,
        customer_domain,
        {{ normalize_domain('coalesce(customer_domain, customer_email)') }} as normalized_domain,
        status,
        converted_at,
        cast(converted_at as date) as converted_date,
        revenue,
        commission,
        upper(currency) as currency,
        updated_at
    from current_versions
)

select * from renamed
