// App Service authentication in front of the function app (authentication settings V2), with
// the storefront's Static Web Apps site as its only identity provider: the site signs shoppers
// in, proxies /api/* here with its own token, which this validates, and passes its principal
// (x-ms-client-principal, Static Web Apps shape) to the app, which runs with
// Authentication=staticwebapps. A call that does not come through the site answers 401, except
// on the anonymous routes.
//
// Linking the site (web.bicep) writes these same settings; this resource is deployed after the
// link and states them in full, so the template stays their one owner and every provisioning
// ends in the same configuration.
param appName string
@description('Default host name of the linked Static Web Apps site (the provider\'s client id).')
param staticWebAppHostname string

resource app 'Microsoft.Web/sites@2024-04-01' existing = {
  name: appName
}

resource authSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  // checkov:skip=CKV_AZURE_13:This is App Service authentication (authsettingsV2, platform.enabled); the check reads the legacy 'authsettings' shape
  // checkov:skip=CKV_AZURE_63:Misapplied: HTTP logging is a 'web' config property, not one of authsettingsV2
  // checkov:skip=CKV_AZURE_65:Misapplied: detailed error pages are a 'web' config property, not one of authsettingsV2
  // checkov:skip=CKV_AZURE_66:Misapplied: failed request tracing is a 'web' config property, not one of authsettingsV2
  // checkov:skip=CKV_AZURE_80:Misapplied: the app runs Python 3.11, not .NET Framework
  // checkov:skip=CKV_AZURE_88:Misapplied: Flex Consumption runs from a blob deployment package, not Azure Files
  // checkov:skip=CKV_AZURE_222:Misapplied: public network access is a property of the site (api.bicep), not of its authentication settings
  parent: app
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      // An API answers 401; it does not redirect to a sign-in page.
      unauthenticatedClientAction: 'Return401'
      // The anonymous routes: the menu, the health check and the API description.
      excludedPaths: [
        '/api/products'
        '/api/health'
        '/api/openapi.json'
      ]
    }
    identityProviders: {
      // The linked site, as linking registers it (its default host name is the client id).
      azureStaticWebApps: {
        enabled: true
        registration: {
          clientId: staticWebAppHostname
        }
      }
      // No second way in: a bearer token of Entra ID would carry App Service's principal,
      // which this app does not read with Authentication=staticwebapps.
      azureActiveDirectory: {
        enabled: false
      }
    }
  }
}
