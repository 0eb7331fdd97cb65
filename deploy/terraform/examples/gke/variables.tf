variable "project_id" {
  description = "Google Cloud project of the cluster."
  type        = string
}

variable "region" {
  description = "Default region of the google provider."
  type        = string
}

variable "location" {
  description = "Location of the cluster: a region (regional cluster) or a zone."
  type        = string
}

variable "cluster_name" {
  description = "Name of the existing GKE cluster."
  type        = string
}

variable "namespace" {
  description = "Namespace to install pxtc into."
  type        = string
  default     = "pxtc"
}

variable "mode" {
  description = "embedded or external."
  type        = string
  default     = "embedded"
}

variable "image_repository" {
  description = "Artifact Registry repository of the image: the full image for embedded, the slim one for external (REGISTRY/pxtc, REGISTRY being your Artifact Registry repository path)."
  type        = string
}

variable "image_tag" {
  description = "Image tag (null: the chart's appVersion)."
  type        = string
  default     = null
}

variable "storage_class" {
  description = "embedded mode: StorageClass of the data volume (null: the cluster's default, standard-rwo)."
  type        = string
  default     = null
}

variable "postgres_url" {
  description = "external mode: libpq URI of the Cloud SQL database (its private IP), e.g. postgresql://pxtc:PASSWORD@10.0.0.3:5432/pxtc?sslmode=require."
  type        = string
  default     = null
  sensitive   = true
}

variable "media_bucket" {
  description = "external mode: the Cloud Storage bucket for media."
  type        = string
  default     = null
}

variable "gcs_hmac_access_id" {
  description = "HMAC access id of a service account allowed on the bucket."
  type        = string
  default     = null
}

variable "gcs_hmac_secret" {
  description = "Its HMAC secret."
  type        = string
  default     = null
  sensitive   = true
}

variable "api_key" {
  description = "API key(s) the routes require (null: open)."
  type        = string
  default     = null
  sensitive   = true
}
