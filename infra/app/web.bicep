// The storefront: an Azure Static Web Apps site (Standard: the plan that links a backend) with
// the function app linked as its backend, so the site proxies /api/* to it and signs shoppers
// in itself (/.auth/*). azd deploys the storefront/ folder to it (the `web` service).
param name string
@description('Region of the site\'s resource; Static Web Apps serves the files from its global network either way.')
param location string
param tags object
@description('Resource id of the function app the site proxies /api/* to.')
param backendResourceId string
@description('Region of the function app.')
param backendRegion string

resource site 'Microsoft.Web/staticSites@2024-04-01' = {
  name: name
  location: location
  // azd deploys the `web` service of azure.yaml to the site with this tag.
  tags: union(tags, { 'azd-service-name': 'web' })
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    // Files come from `azd deploy` (the Static Web Apps CLI), not from a repository build.
    provider: 'None'
    // Linked backends are not supported in pull-request environments.
    stagingEnvironmentPolicy: 'Disabled'
    allowConfigFileUpdates: true
  }
}

// Linking writes the function app's authentication settings (an "Azure Static Web Apps
// (Linked)" identity provider); auth.bicep, deployed after this, declares the same provider and
// owns those settings.
resource backend 'Microsoft.Web/staticSites/linkedBackends@2024-04-01' = {
  parent: site
  name: 'api'
  properties: {
    backendResourceId: backendResourceId
    region: backendRegion
  }
}

output name string = site.name
output defaultHostname string = site.properties.defaultHostname
output url string = 'https://${site.properties.defaultHostname}'
