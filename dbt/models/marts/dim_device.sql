with

views as (

    select * from {{ ref('stg_player__views') }}

),

devices as (

    select
        {{ device_id() }} as device_id,
        coalesce(device_type, '(unknown)') as device_type,
        coalesce(os_name, '(unknown)') as os_name,
        coalesce(browser_name, '(unknown)') as browser_name,
        coalesce(player_name, '(unknown)') as player_name,
        coalesce(player_version, '(unknown)') as player_version,
        coalesce(app_name, '(unknown)') as app_name,
        min(started_at) as first_view_at,
        max(started_at) as last_view_at
    from views
    group by 1, 2, 3, 4, 5, 6, 7

),

final as (

    select
        device_id,
        device_type,
        os_name,
        browser_name,
        player_name,
        player_version,
        app_name,
        device_type in ('mobile', 'tablet') as is_mobile,
        first_view_at,
        last_view_at
    from devices

)

select * from final
