# pxtc on an existing Kubernetes cluster: one helm_release of the chart in
# deploy/helm/pxtc (or of a chart repository). The calling configuration configures
# the helm provider for its cluster (examples/eks, examples/gke, examples/aks).

locals {
  external = var.mode == "external"

  # the image values the mode reads: image.full in embedded mode, image.slim otherwise
  image_key = local.external ? "slim" : "full"

  public_values = {
    mode = var.mode
    image = {
      (local.image_key) = merge(
        { repository = var.image_repository },
        var.image_tag == null ? {} : { tag = var.image_tag },
      )
      pullPolicy = var.image_pull_policy
    }
    server       = { workers = var.workers }
    replicaCount = var.replicas
    autoscaling = var.max_replicas == null ? { enabled = false } : {
      enabled     = true
      minReplicas = var.replicas
      maxReplicas = var.max_replicas
    }
    persistence = merge(
      { size = var.storage_size },
      var.storage_class == null ? {} : { storageClass = var.storage_class },
    )
    postgres = var.postgres_existing_secret == null ? {} : {
      existingSecret    = var.postgres_existing_secret.name
      existingSecretKey = var.postgres_existing_secret.key
    }
    media = merge(
      var.media_input_dest == null ? {} : { inputDest = var.media_input_dest },
      var.media_output_dest == null ? {} : { outputDest = var.media_output_dest },
      {
        s3 = { for k, v in {
          endpoint    = var.s3.endpoint
          region      = var.s3.region
          accessKeyId = var.s3.access_key_id
        } : k => v if v != null }
      },
    )
    service = { type = var.service_type }
    ingress = var.ingress_host == null ? { enabled = false } : merge(
      {
        enabled = true
        hosts   = [{ host = var.ingress_host, paths = [{ path = "/", pathType = "Prefix" }] }]
      },
      var.ingress_class == null ? {} : { className = var.ingress_class },
    )
  }

  # secret values go through set_sensitive: hidden in plans and in the release's
  # metadata
  secret_values = merge(
    { for k, v in {
      "postgres.url"             = var.postgres_url
      "media.urlSecret"          = coalesce(var.media_url_secret, random_password.media_url_secret.result)
      "media.s3.secretAccessKey" = var.s3_secret_access_key
      "secrets.apiKey"           = var.api_key
      "openai.apiKey"            = var.openai_api_key
    } : k => v if v != null },
    var.extra_secrets,
  )
}

# a media URL secret for when none is given, the same for every pod and every upgrade
resource "random_password" "media_url_secret" {
  length  = 48
  special = false
}

resource "helm_release" "pxtc" {
  name             = var.release_name
  namespace        = var.namespace
  create_namespace = var.create_namespace
  chart            = coalesce(var.chart, "${path.module}/../../../helm/pxtc")
  repository       = var.chart_repository
  version          = var.chart_version
  timeout          = var.timeout
  wait             = var.wait
  atomic           = var.atomic

  values = [
    yamlencode(local.public_values),
    yamlencode(var.values),
  ]

  # Helm parses --set values: commas and backslashes are escaped so that a value
  # (such as a list of API keys) stays one string
  dynamic "set_sensitive" {
    for_each = nonsensitive(toset(keys(local.secret_values)))
    content {
      name  = set_sensitive.value
      value = replace(replace(local.secret_values[set_sensitive.value], "\\", "\\\\"), ",", "\\,")
      type  = "string"
    }
  }
}
