// Everything the pierogi shop needs in Azure, for `azd up` (or `azd provision`, then
// `func azure functionapp publish <app>`). Identity-based connections only: the template sets no
// key, connection string with a key, or SAS anywhere, and outputs none.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; with the subscription and region it seeds the unique suffix of every resource name.')
param environmentName string

@minLength(1)
@description('Region of every resource. It must offer the Flex Consumption plan (az functionapp list-flexconsumption-locations).')
@metadata({ azd: { type: 'location' } })
param location string

@minLength(2)
@maxLength(10)
@description('Short lowercase prefix of every resource name (letters and digits).')
param namePrefix string = 'pierogi'

@description('Name of the resource group; empty: rg-<environmentName>.')
param resourceGroupName string = ''

@description('Region of the storefront\'s Static Web Apps resource (one of the regions that offer it); the files are served from its global network.')
@allowed(['centralus', 'eastasia', 'eastus2', 'westeurope', 'westus2'])
param webLocation string = 'westeurope'

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var prefix = toLower(namePrefix)

// The names the app uses, as its code defaults to (the tests compare them with the code).
var databaseName = 'pierogi-shop'
var cartsContainerName = 'carts'
var ordersContainerName = 'orders'
var poisonContainerName = 'poison-messages'
var submitOrderQueueName = 'submit-order'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-${prefix}-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${prefix}-${resourceToken}'
    applicationInsightsName: 'appi-${prefix}-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: take('st${prefix}${resourceToken}', 24)
    deploymentContainerName: 'app-package-${resourceToken}'
    location: location
    tags: tags
  }
}

module messaging 'app/servicebus.bicep' = {
  name: 'servicebus'
  scope: rg
  params: {
    name: 'sb-${prefix}-${resourceToken}'
    queueName: submitOrderQueueName
    location: location
    tags: tags
  }
}

module database 'app/cosmos.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    name: 'cosmos-${prefix}-${resourceToken}'
    databaseName: databaseName
    containers: [
      {
        name: cartsContainerName
        partitionKeyPath: '/customer'
      }
      {
        name: ordersContainerName
        partitionKeyPath: '/customer'
      }
      {
        name: poisonContainerName
        partitionKeyPath: '/queue'
      }
    ]
    location: location
    tags: tags
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: 'func-${prefix}-${resourceToken}'
    planName: 'plan-${prefix}-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    appSettings: {
      // Shoppers are the storefront site's principal (modules web and auth below); never 'none'.
      Authentication: 'staticwebapps'
      StorageBackend: 'cosmos'
      MessagingBackend: 'servicebus'
      SubmitOrderQueue: submitOrderQueueName
      OutboxSweepSchedule: '0 */1 * * * *'
      OutboxResendAfterSeconds: '10'
      RequestTimeLimitSeconds: '30'
      CosmosDbDatabase: databaseName
      CosmosDbCartsContainer: cartsContainerName
      CosmosDbOrdersContainer: ordersContainerName
      CosmosDbConnection__accountEndpoint: database.outputs.endpoint
      CosmosDbConnection__credential: 'managedidentity'
      CosmosDbConnection__clientId: identity.outputs.clientId
      ServiceBusConnection__fullyQualifiedNamespace: messaging.outputs.fullyQualifiedNamespace
      ServiceBusConnection__credential: 'managedidentity'
      ServiceBusConnection__clientId: identity.outputs.clientId
    }
  }
}

// The storefront: a Static Web Apps site with the function app linked as its backend.
module web 'app/web.bicep' = {
  name: 'web'
  scope: rg
  params: {
    name: 'stapp-${prefix}-${resourceToken}'
    location: webLocation
    tags: tags
    backendResourceId: api.outputs.id
    backendRegion: location
  }
}

// App Service authentication (authsettingsV2) in front of the app, the linked site its only
// identity provider; after the link (it reads the site's output), so this config is the last word.
module auth 'app/auth.bicep' = {
  name: 'auth'
  scope: rg
  params: {
    appName: api.outputs.name
    staticWebAppHostname: web.outputs.defaultHostname
  }
}

// Every role the app's identity holds, each on the narrowest scope that works.
module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    serviceBusNamespaceName: messaging.outputs.name
    queueName: submitOrderQueueName
    cosmosAccountName: database.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
  }
}

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output API_BASE_URL string = api.outputs.apiBaseUrl
output AZURE_STATIC_WEB_APP_NAME string = web.outputs.name
output STOREFRONT_URL string = web.outputs.url
output COSMOS_DB_ENDPOINT string = database.outputs.endpoint
output SERVICE_BUS_NAMESPACE string = messaging.outputs.fullyQualifiedNamespace
