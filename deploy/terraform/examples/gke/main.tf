# pxtc on an existing Google Kubernetes Engine cluster. Embedded mode by default (one
# pod, its data on a persistent disk); external mode with Cloud SQL for PostgreSQL and
# a Cloud Storage bucket for media (through its S3-compatible XML API and HMAC keys):
# set mode = "external", postgres_url, media_bucket and the HMAC key.

provider "google" {
  project = var.project_id
  region  = var.region
}

data "google_client_config" "default" {}

data "google_container_cluster" "this" {
  name     = var.cluster_name
  location = var.location
}

provider "helm" {
  kubernetes {
    host                   = "https://${data.google_container_cluster.this.endpoint}"
    token                  = data.google_client_config.default.access_token
    cluster_ca_certificate = base64decode(data.google_container_cluster.this.master_auth[0].cluster_ca_certificate)
  }
}

module "pxtc" {
  source = "../../modules/pxtc"

  namespace        = var.namespace
  mode             = var.mode
  image_repository = var.image_repository
  image_tag        = var.image_tag
  storage_class    = var.storage_class
  service_type     = "LoadBalancer"

  postgres_url      = var.postgres_url
  media_input_dest  = var.media_bucket == null ? null : "gs://${var.media_bucket}/input"
  media_output_dest = var.media_bucket == null ? null : "gs://${var.media_bucket}/output"
  values = var.gcs_hmac_access_id == null ? {} : {
    media = { gcs = { accessKeyId = var.gcs_hmac_access_id } }
  }
  extra_secrets = var.gcs_hmac_secret == null ? {} : {
    "media.gcs.secret" = var.gcs_hmac_secret
  }
  api_key = var.api_key
}
