/** Word lists for synthetic people and companies. Every domain is under `.example` (RFC 2606). */
export const FIRST_NAMES = [
  'Camille', 'Léa', 'Manon', 'Chloé', 'Inès', 'Sarah', 'Julie', 'Emma', 'Clara', 'Laura',
  'Anna', 'Sophie', 'Marie', 'Lucie', 'Alice', 'Élodie', 'Nadia', 'Yasmine', 'Hannah', 'Olivia',
  'Thomas', 'Nicolas', 'Julien', 'Maxime', 'Antoine', 'Hugo', 'Lucas', 'Louis', 'Pierre', 'Paul',
  'Mathieu', 'Alexandre', 'Karim', 'Mehdi', 'David', 'Daniel', 'James', 'Oliver', 'Lukas', 'Jonas',
  'Marco', 'Luca', 'Pablo', 'Javier', 'Pieter', 'Sven', 'Erik', 'Tomasz', 'Ana', 'Ines',
] as const;

export const LAST_NAMES = [
  'Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy', 'Moreau',
  'Simon', 'Laurent', 'Lefebvre', 'Michel', 'Garcia', 'David', 'Bertrand', 'Roux', 'Vincent', 'Fournier',
  'Morel', 'Girard', 'Andre', 'Mercier', 'Dupont', 'Lambert', 'Bonnet', 'Francois', 'Martinez', 'Legrand',
  'Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Rossi', 'Russo', 'Ferrari', 'Smith', 'Jones',
  'Brown', 'Taylor', 'Wilson', 'Janssen', 'De Vries', 'Nowak', 'Kowalski', 'Silva', 'Santos', 'Haddad',
] as const;

export const COMPANY_STEMS = [
  'Nord', 'Azur', 'Atlas', 'Helio', 'Kinet', 'Vela', 'Orbi', 'Lumen', 'Cobalt', 'Granit',
  'Alto', 'Brio', 'Cimes', 'Delta', 'Ember', 'Fjord', 'Gala', 'Hexa', 'Iris', 'Jade',
  'Koda', 'Lynx', 'Mistral', 'Nova', 'Onyx', 'Pulse', 'Quartz', 'Rivage', 'Sable', 'Tessel',
] as const;

export const COMPANY_KINDS = [
  'Logistics', 'Analytics', 'Software', 'Consulting', 'Robotics', 'Health', 'Finance', 'Energy',
  'Retail', 'Labs', 'Systems', 'Media', 'Foods', 'Mobility', 'Security', 'Cloud',
] as const;

export const TITLES = [
  'CEO', 'Co-founder', 'CTO', 'VP Sales', 'Head of Growth', 'Sales Director', 'Marketing Director',
  'Head of Operations', 'CFO', 'Procurement Manager', 'IT Manager', 'Business Developer',
  'Head of Partnerships', 'Chief Revenue Officer', 'Product Manager', 'HR Director',
] as const;

export const LOCATIONS = [
  'Paris, France', 'Lyon, France', 'Marseille, France', 'Lille, France', 'Bordeaux, France',
  'Nantes, France', 'Toulouse, France', 'Brussels, Belgium', 'Geneva, Switzerland',
  'Berlin, Germany', 'Munich, Germany', 'Amsterdam, Netherlands', 'Madrid, Spain',
  'Barcelona, Spain', 'Milan, Italy', 'London, United Kingdom', 'Dublin, Ireland', 'Lisbon, Portugal',
] as const;

export const INDUSTRIES = [
  'logistics', 'software', 'healthcare', 'financial services', 'manufacturing', 'retail',
  'energy', 'professional services', 'media', 'education',
] as const;

export const CAMPAIGN_THEMES = [
  'Q4 outbound', 'Event follow-up', 'Ops leaders', 'Series A founders', 'Partner intro',
  'Reactivation', 'Mid-market SaaS', 'Logistics DACH', 'France SMB', 'Webinar invite',
] as const;

export const MEETING_NOTES = [
  'Intro call', 'Discovery call', 'Demo', 'Pricing discussion', 'Follow-up', 'Technical deep-dive',
] as const;
