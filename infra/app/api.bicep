// The function app: Flex Consumption (Linux), Python 3.11, running as the user-assigned
// identity, with the host's storage and every connection identity-based.
param name string
param planName string
param location string
param tags object
param identityId string
param identityClientId string
param storageAccountName string
@description('Blob container URL Flex Consumption deploys the app package to.')
param deploymentContainerUrl string
param applicationInsightsName string
@description('The app\'s own settings (main.bicep); merged with the host settings below.')
param appSettings object
param maximumInstanceCount int = 40
param instanceMemoryMB int = 2048

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Settings of the Functions host itself. Flex Consumption takes the runtime from
// functionAppConfig: FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION are not allowed.
var hostSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  // The connection string names the Application Insights resource; it is not a secret (the
  // resource accepts only Entra ID ingestion), and the identity below authenticates.
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD;ClientId=${identityClientId}'
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  // checkov:skip=CKV_AZURE_225:Zone redundancy of Flex Consumption is offered in a few regions only; the template runs in any Flex region (enable it where available)
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  // checkov:skip=CKV_AZURE_222:The shop's public HTTP API, called by shoppers' browsers
  // checkov:skip=CKV_AZURE_17:Shoppers' browsers present no client certificates
  // checkov:skip=CKV_AZURE_212:Flex Consumption scales out on demand; always-ready instances are an optional cost, not needed for failover
  // checkov:skip=CKV_AZURE_213:The App Service health check (siteConfig.healthCheckPath) is not available on the Flex Consumption plan
  name: name
  location: location
  // azd deploys the `api` service of azure.yaml to the site with this tag.
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
  }
}

resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  // checkov:skip=CKV_AZURE_13:Misapplied: this is the 'appsettings' resource; App Service authentication is the 'authsettingsV2' config of auth.bicep
  // checkov:skip=CKV_AZURE_63:Misapplied: HTTP logging is a 'web' config property; logs go to Application Insights
  // checkov:skip=CKV_AZURE_65:Misapplied: detailed error pages are a 'web' config property; the API answers problem+json itself
  // checkov:skip=CKV_AZURE_66:Misapplied: failed request tracing is a 'web' config property (IIS); requests are traced in Application Insights
  // checkov:skip=CKV_AZURE_80:Misapplied: the app runs Python 3.11, not .NET Framework
  // checkov:skip=CKV_AZURE_88:Misapplied: Flex Consumption runs from a blob deployment package, not Azure Files
  // checkov:skip=CKV_AZURE_222:Misapplied: public network access is a property of the site (see the app resource), not of its app settings
  parent: app
  name: 'appsettings'
  properties: union(appSettings, hostSettings)
}

// Publishing with a user name and password (FTP, or basic auth to the deployment endpoint) is
// off: azd and `func azure functionapp publish` deploy with Entra ID.
resource ftp 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scm 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'scm'
  properties: {
    allow: false
  }
}

// App Service authentication (authsettingsV2) is set by auth.bicep.

output id string = app.id
output name string = app.name
output apiBaseUrl string = 'https://${app.properties.defaultHostName}/api'
