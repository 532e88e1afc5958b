{{
    config(
        partition_by={'field': 'view_date', 'data_type': 'date'},
        cluster_by=['edge_pop', 'isp'],
    )
}}

{#
  One row per view with what delivered it: the CDN requests joined through CMCD sid (edge PoP,
  cache hit ratio, TTFB, throughput during the view) beside its rebuffering, so "which PoP or ISP
  made viewers rebuffer" is a group by edge_pop or isp with sum over sum.
#}

with

views as (

    select * from {{ ref('fct_views') }}

),

delivery as (

    select * from {{ ref('int_views_joined_to_cdn_requests') }}

),

final as (

    select
        ----------  ids
        views.view_id,
        views.content_id,
        views.device_id,

        ----------  dimensions
        views.view_date,
        views.cdn,
        coalesce(delivery.edge_cdn, views.cdn) as edge_cdn,
        coalesce(delivery.edge_pop, views.pop) as edge_pop,
        views.country,
        views.asn,
        views.isp,
        views.device_type,
        views.player_name,

        ----------  rebuffering (from the player)
        views.rebuffer_count,
        views.rebuffer_duration_ms,
        views.playing_time_ms,
        views.rebuffer_ratio,

        ----------  delivery (from the CDN)
        coalesce(delivery.request_count, 0) as request_count,
        coalesce(delivery.media_request_count, 0) as media_request_count,
        coalesce(delivery.cache_hit_count, 0) as cache_hit_count,
        coalesce(delivery.cache_miss_count, 0) as cache_miss_count,
        coalesce(delivery.error_count, 0) as error_count,
        coalesce(delivery.buffer_starvation_request_count, 0)
            as buffer_starvation_request_count,
        coalesce(delivery.edge_pop_count, 0) as edge_pop_count,
        coalesce(delivery.bytes_sent, 0) as bytes_sent,
        coalesce(delivery.transfer_time_ms, 0) as transfer_time_ms,
        coalesce(delivery.total_ttfb_ms, 0) as total_ttfb_ms,
        coalesce(delivery.ttfb_sample_count, 0) as ttfb_sample_count,
        {{ ratio('delivery.cache_hit_count', 'delivery.cache_hit_count + delivery.cache_miss_count') }}
            as cache_hit_ratio,
        {{ ratio('delivery.error_count', 'delivery.request_count') }} as error_rate,
        {{ ratio('delivery.total_ttfb_ms', 'delivery.ttfb_sample_count') }} as avg_ttfb_ms,
        {{ ratio('delivery.bytes_sent * 8', 'delivery.transfer_time_ms') }}
            as delivery_throughput_kbps,

        ----------  booleans
        views.has_rebuffered,
        delivery.view_id is not null as has_cdn_requests,
        views.is_final,

        ----------  timestamps
        views.started_at

    from views
    left join delivery
        on views.view_id = delivery.view_id

)

select * from final
