# pxtc on an existing Amazon EKS cluster. Embedded mode by default (one pod, its data
# on an EBS volume); external mode with an RDS (or Aurora) PostgreSQL and an S3 bucket
# for media: set mode = "external", postgres_url and media_bucket.

provider "aws" {
  region = var.region
}

data "aws_eks_cluster" "this" {
  name = var.cluster_name
}

data "aws_eks_cluster_auth" "this" {
  name = var.cluster_name
}

provider "helm" {
  kubernetes {
    host                   = data.aws_eks_cluster.this.endpoint
    cluster_ca_certificate = base64decode(data.aws_eks_cluster.this.certificate_authority[0].data)
    token                  = data.aws_eks_cluster_auth.this.token
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
  media_input_dest  = var.media_bucket == null ? null : "s3://${var.media_bucket}/input"
  media_output_dest = var.media_bucket == null ? null : "s3://${var.media_bucket}/output"
  s3 = {
    region        = var.region
    access_key_id = var.s3_access_key_id
  }
  s3_secret_access_key = var.s3_secret_access_key
  api_key              = var.api_key
}
