// App Service authentication in front of the function app (authentication settings V2): it
// validates the shopper's Entra ID token and passes the principal to the app
// (X-MS-CLIENT-PRINCIPAL*), which runs with Authentication=appservice. Without a client id no
// identity provider is enabled, so every call but the anonymous routes answers 401: the app is
// never open by accident.
param appName string
@description('Client id of the Entra ID app registration of the API; empty: no provider yet.')
param clientId string
@description('OpenID issuer of that registration, e.g. https://login.microsoftonline.com/<tenant id>/v2.0.')
param openIdIssuer string

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
      azureActiveDirectory: {
        enabled: !empty(clientId)
        registration: {
          clientId: clientId
          openIdIssuer: openIdIssuer
        }
        validation: {
          allowedAudiences: [
            'api://${clientId}'
          ]
        }
      }
    }
  }
}
