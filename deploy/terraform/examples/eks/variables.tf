variable "region" {
  description = "AWS region of the cluster."
  type        = string
}

variable "cluster_name" {
  description = "Name of the existing EKS cluster."
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
  description = "ECR repository of the image: the full image for embedded, the slim one for external (REGISTRY/pxtc, REGISTRY being your ECR repository URI's host and path)."
  type        = string
}

variable "image_tag" {
  description = "Image tag (null: the chart's appVersion)."
  type        = string
  default     = null
}

variable "storage_class" {
  description = "embedded mode: StorageClass of the data volume (null: the cluster's default, e.g. gp2 or gp3)."
  type        = string
  default     = null
}

variable "postgres_url" {
  description = "external mode: libpq URI of the RDS database, e.g. postgresql://pxtc:PASSWORD@HOST:5432/pxtc?sslmode=require."
  type        = string
  default     = null
  sensitive   = true
}

variable "media_bucket" {
  description = "external mode: the S3 bucket for media (uploads under input/, generated under output/)."
  type        = string
  default     = null
}

variable "s3_access_key_id" {
  description = "Access key id of an IAM user allowed on the bucket."
  type        = string
  default     = null
}

variable "s3_secret_access_key" {
  description = "Its secret access key."
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
