"""Hand-written demo people for `manage.py seed_demo`.

Every person is written by hand: name, IANA zone, ISO 3166-1 alpha-2 country, pronouns,
headline, a short Markdown bio and their tags. Working hours default to local norms for the
zone (see ZONE_NORMS) and can be overridden per person (tradespeople start early, some mentors
only meet in the evening). Mentors carry topics, capacity and session lengths; mentees carry
career goals and interests.

Keep tag spelling consistent across people: the first spelling seeded becomes the display name.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

MON_FRI = [1, 2, 3, 4, 5]
SUN_THU = [1, 2, 3, 4, 7]  # Israel, Saudi Arabia, Egypt, Bangladesh
SAT_WED = [1, 2, 3, 6, 7]  # Iran
SUN_FRI = [1, 2, 3, 4, 5, 7]  # Nepal

# Local working norms: zone -> (start, end, ISO weekdays). Zones not listed: 09:00-17:00 Mon-Fri.
# fmt: off
ZONE_NORMS: dict[str, tuple[str, str, list[int]]] = {
    "Asia/Tokyo":                     ("09:00", "18:00", MON_FRI),
    "Asia/Seoul":                     ("09:00", "18:00", MON_FRI),
    "Asia/Shanghai":                  ("09:00", "18:00", MON_FRI),
    "Asia/Hong_Kong":                 ("09:00", "18:00", MON_FRI),
    "Asia/Singapore":                 ("09:00", "18:00", MON_FRI),
    "Asia/Ho_Chi_Minh":               ("08:00", "17:00", MON_FRI),
    "Asia/Kolkata":                   ("09:30", "18:30", MON_FRI),
    "Asia/Karachi":                   ("09:00", "17:00", MON_FRI),
    "Asia/Dhaka":                     ("09:00", "17:00", SUN_THU),
    "Asia/Kathmandu":                 ("10:00", "17:00", SUN_FRI),
    "Asia/Tehran":                    ("08:00", "16:00", SAT_WED),
    "Asia/Dubai":                     ("08:00", "17:00", MON_FRI),
    "Asia/Riyadh":                    ("08:00", "16:00", SUN_THU),
    "Asia/Jerusalem":                 ("09:00", "18:00", SUN_THU),
    "Africa/Cairo":                   ("09:00", "17:00", SUN_THU),
    "Africa/Lagos":                   ("08:00", "17:00", MON_FRI),
    "Africa/Accra":                   ("08:00", "17:00", MON_FRI),
    "Africa/Nairobi":                 ("08:00", "17:00", MON_FRI),
    "Africa/Kampala":                 ("08:00", "17:00", MON_FRI),
    "Africa/Johannesburg":            ("08:00", "17:00", MON_FRI),
    "Africa/Casablanca":              ("08:30", "16:30", MON_FRI),
    "Africa/Dakar":                   ("08:00", "17:00", MON_FRI),
    "Europe/Berlin":                  ("08:30", "17:00", MON_FRI),
    "Europe/Vienna":                  ("08:00", "16:30", MON_FRI),
    "Europe/Stockholm":               ("08:00", "16:30", MON_FRI),
    "Europe/Oslo":                    ("08:00", "16:00", MON_FRI),
    "Europe/Madrid":                  ("09:00", "18:00", MON_FRI),
    "Europe/Rome":                    ("09:00", "18:00", MON_FRI),
    "Europe/Paris":                   ("09:00", "18:00", MON_FRI),
    "America/Sao_Paulo":              ("09:00", "18:00", MON_FRI),
    "America/Argentina/Buenos_Aires": ("09:00", "18:00", MON_FRI),
    "America/Santiago":               ("08:30", "17:30", MON_FRI),
    "America/Bogota":                 ("08:00", "17:00", MON_FRI),
    "America/Lima":                   ("08:30", "17:30", MON_FRI),
    "America/Montevideo":             ("09:00", "18:00", MON_FRI),
    "America/Mexico_City":            ("09:00", "18:00", MON_FRI),
    "America/Costa_Rica":             ("08:00", "17:00", MON_FRI),
    "Australia/Sydney":               ("08:30", "17:00", MON_FRI),
    "Australia/Melbourne":            ("08:30", "17:00", MON_FRI),
    "Australia/Brisbane":             ("08:30", "17:00", MON_FRI),
    "Australia/Adelaide":             ("08:30", "17:00", MON_FRI),
    "Australia/Perth":                ("08:30", "17:00", MON_FRI),
    "Pacific/Auckland":               ("08:30", "17:00", MON_FRI),
}
# fmt: on
DEFAULT_NORM = ("09:00", "17:00", MON_FRI)

# ASCII for letters that Unicode decomposition leaves alone.
_TRANSLIT = str.maketrans({"ı": "i", "ø": "o", "ł": "l", "ß": "ss", "æ": "ae", "đ": "d"})


def _email_part(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text.translate(_TRANSLIT))
    ascii_text = ascii_text.encode("ascii", "ignore").decode()
    return "".join(c for c in ascii_text.lower() if c.isalnum() or c == "-")


@dataclass
class Person:
    first: str
    last: str
    zone: str
    country: str
    pronouns: str
    headline: str
    bio: str
    skills: list[str]
    industries: list[str]
    languages: list[str]
    # Mentor side (a person with topics is a mentor).
    topics: list[str] = field(default_factory=list)
    years: int | None = None
    capacity: int = 3
    sessions: list[int] = field(default_factory=lambda: [30, 60])
    accepting: bool = True
    paused_days: int | None = None  # paused until today + this many days
    visibility: str = "members"
    # Mentee side.
    goals: list[str] = field(default_factory=list)
    interests: list[str] = field(default_factory=list)
    # Working hours override (local wall times) and work days override.
    hours: tuple[str, str] | None = None
    days: list[int] | None = None

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def email(self) -> str:
        return f"{_email_part(self.first)}.{_email_part(self.last)}@demo.mentorloom.org"

    @property
    def is_mentor(self) -> bool:
        return bool(self.topics)

    @property
    def work_hours(self) -> tuple[str, str]:
        return self.hours or ZONE_NORMS.get(self.zone, DEFAULT_NORM)[:2]

    @property
    def work_days(self) -> list[int]:
        return sorted(self.days or ZONE_NORMS.get(self.zone, DEFAULT_NORM)[2])


ADMIN_EMAIL = "admin@demo.mentorloom.org"
ADMIN = Person(
    first="Program",
    last="Admin",
    zone="Europe/Amsterdam",
    country="NL",
    pronouns="",
    headline="Runs this Mentorloom demo instance",
    bio="The demo **program admin**: members, programs, matching and safety reports.",
    skills=["Community management"],
    industries=["Education"],
    languages=["English"],
)


# fmt: off
MENTORS: list[Person] = [
    # --- Software ---------------------------------------------------------------------------
    Person(
        "Aiko", "Tanaka", "Asia/Tokyo", "JP", "she/her",
        "Staff software engineer & engineering manager, payments platform",
        "I've spent **14 years** building payment systems in Tokyo, first as a backend engineer "
        "and now leading a team of eleven across Japan, Vietnam and India.\n\n"
        "I help engineers who want to grow into *senior and staff* roles: system design, "
        "writing design docs people actually read, and leading without a title. I also enjoy "
        "helping people who are new to working in Japan or with Japanese teams.\n\n"
        "I prepare for every session — please send me an agenda the day before.",
        ["Go", "Python", "PostgreSQL", "Distributed systems", "System design",
         "Engineering management", "Code review"],
        ["Software", "Fintech"],
        ["Japanese", "English", "Korean"],
        years=14, capacity=4, visibility="everyone", hours=("09:30", "18:30"),
        topics=["System design interviews", "Becoming a staff engineer",
                "First-time engineering manager", "Working in Japan", "Writing design docs"],
        sessions=[30, 45, 60],
        interests=["Engineering leadership", "Developer experience"],
    ),
    Person(
        "Arjun", "Mehta", "Asia/Kolkata", "IN", "he/him",
        "Principal backend engineer — distributed systems at a logistics scale-up",
        "I design the order-routing backbone for a logistics company moving two million "
        "parcels a day. I love mentoring engineers through their **first on-call rotation** "
        "and their first real system design round.",
        ["Java", "Kotlin", "Kafka", "Distributed systems", "System design"],
        ["Software", "Logistics"],
        ["English", "Hindi", "Gujarati"],
        years=12, capacity=3,
        topics=["System design interviews", "Backend architecture", "On-call and incidents"],
        sessions=[30, 60],
    ),
    Person(
        "Chioma", "Okafor", "Africa/Lagos", "NG", "she/her",
        "Senior Android engineer · building apps for low-bandwidth markets",
        "I build Android apps that work on a 2G connection and a ₦40,000 phone. I mentor "
        "self-taught developers across West Africa on *getting the first remote job* and "
        "writing a portfolio that shows real constraints.",
        ["Kotlin", "Android", "Jetpack Compose", "Offline-first design"],
        ["Software", "Mobile"],
        ["English", "Igbo", "Nigerian Pidgin"],
        years=8, capacity=5, visibility="everyone",
        topics=["Getting your first developer job", "Remote work", "Mobile development"],
        sessions=[30, 45],
    ),
    Person(
        "Mateo", "Fernández", "America/Argentina/Buenos_Aires", "AR", "he/him",
        "Frontend lead and accessibility advocate",
        "Frontend lead at a Buenos Aires product studio working for clients in the US and "
        "Spain. I help developers ship **accessible** interfaces and grow into lead roles "
        "without losing touch with the code.",
        ["TypeScript", "React", "Web accessibility", "CSS", "Design systems"],
        ["Software", "Agencies"],
        ["Spanish", "English", "Italian"],
        years=10, capacity=3,
        topics=["Web accessibility", "Frontend architecture", "Working for US clients"],
        sessions=[45, 60],
    ),
    Person(
        "Sarah", "Cohen", "Asia/Jerusalem", "IL", "she/her",
        "Application security engineer, ex-red team",
        "I break things for a living so others can fix them. I mentor developers who are "
        "curious about **security** and want a practical path from web development into "
        "AppSec, including certifications that are actually worth the money.",
        ["Application security", "Threat modelling", "Python", "Penetration testing"],
        ["Software", "Cybersecurity"],
        ["Hebrew", "English", "French"],
        years=11, capacity=2,
        topics=["Moving into security", "Threat modelling", "Certifications"],
        sessions=[30, 60],
    ),
    Person(
        "Rohan", "Shrestha", "Asia/Kathmandu", "NP", "he/him",
        "Full-stack developer and founder of a Kathmandu coding bootcamp",
        "I write Django by day and teach it by night. I help new developers in Nepal and "
        "South Asia find **remote work** and navigate freelancing platforms without being "
        "underpaid.",
        ["Python", "Django", "JavaScript", "Teaching"],
        ["Software", "Education"],
        ["Nepali", "English", "Hindi"],
        years=7, capacity=6,
        topics=["Freelancing", "Getting your first developer job", "Remote work"],
        sessions=[30, 45],
    ),
    Person(
        "Priya", "Raman", "Asia/Singapore", "SG", "she/her",
        "Lead data scientist, consumer credit risk",
        "I lead a data science team building credit models for people with thin credit "
        "files. Happy to help with **portfolio projects**, interview case studies and the "
        "jump from analyst to data scientist.",
        ["Python", "Machine learning", "SQL", "Statistics", "Model governance"],
        ["Data & analytics", "Finance"],
        ["English", "Tamil", "Malay"],
        years=10, capacity=3, visibility="everyone",
        topics=["Breaking into data science", "Data science interviews", "Analyst to scientist"],
        sessions=[30, 60],
    ),
    Person(
        "Kwame", "Mensah", "Africa/Accra", "GH", "he/him",
        "Data engineer · building pipelines for agriculture supply chains",
        "I build data pipelines that track cocoa from farm to port. I mentor analysts who "
        "want to become **data engineers** and anyone who wants to learn dbt and Airflow "
        "properly.",
        ["SQL", "dbt", "Airflow", "Python", "Data modelling"],
        ["Data & analytics", "Agriculture"],
        ["English", "Twi", "French"],
        years=6, capacity=4,
        topics=["Moving into data engineering", "Data modelling", "Getting your first data job"],
        sessions=[30, 45],
    ),
    Person(
        "Ingrid", "Johansson", "Europe/Stockholm", "SE", "she/her",
        "Machine learning engineer, recommendation systems",
        "I work on recommendations for a music streaming service. I can help with "
        "**ML in production**, MLOps, and moving from a PhD into industry.",
        ["Machine learning", "PyTorch", "MLOps", "Python", "Recommender systems"],
        ["Data & analytics", "Media"],
        ["Swedish", "English", "German"],
        years=8, capacity=2, accepting=False,
        topics=["ML in production", "PhD to industry", "Data science interviews"],
        sessions=[45, 60],
    ),
    Person(
        "Rafael", "Gómez", "America/Bogota", "CO", "he/him",
        "Analytics manager at a Latin American e-commerce marketplace",
        "I manage a team of twelve analysts in Bogotá and Mexico City. I help analysts "
        "sharpen their **storytelling with data** and prepare for their first management role.",
        ["SQL", "Looker", "A/B testing", "Data storytelling", "People management"],
        ["Data & analytics", "E-commerce"],
        ["Spanish", "English", "Portuguese"],
        years=11, capacity=4,
        topics=["Getting your first data job", "Data storytelling", "First-time manager"],
        sessions=[30, 60],
    ),
    Person(
        "Emily", "Chen", "America/Vancouver", "CA", "she/her",
        "Senior data analyst — public health dashboards",
        "I turned a biology degree into an analytics career, and now build dashboards for a "
        "provincial health authority. Career switchers welcome: **SQL first, tools second.**",
        ["SQL", "Tableau", "R", "Excel", "Epidemiology data"],
        ["Data & analytics", "Healthcare"],
        ["English", "Mandarin", "Cantonese"],
        years=7, capacity=3, visibility="everyone",
        topics=["Getting your first data job", "Career switch", "Portfolio review"],
        sessions=[30, 45],
    ),
    Person(
        "Sofia", "Rossi", "Europe/Rome", "IT", "she/her",
        "Senior product designer, mobility apps",
        "I design booking flows for trains and scooters used by millions of commuters. I "
        "review **portfolios** every week and love helping graphic designers move into "
        "product design.",
        ["Product design", "Figma", "Prototyping", "Usability testing"],
        ["Design", "Transportation"],
        ["Italian", "English", "Spanish"],
        years=9, capacity=4,
        topics=["Portfolio review", "Graphic to product design", "Design critique"],
        sessions=[30, 60],
    ),
    Person(
        "Thabo", "Nkosi", "Africa/Johannesburg", "ZA", "he/him",
        "Head of UX research at a digital bank",
        "Former secondary-school teacher, now leading UX research for a bank with eight "
        "million customers. I help **teachers and social scientists** move into UX research.",
        ["UX research", "Interviewing", "Survey design", "Research operations"],
        ["Design", "Banking"],
        ["English", "isiZulu", "Sesotho"],
        years=12, capacity=3, visibility="everyone",
        topics=["Moving into UX research", "Career switch", "Research methods"],
        sessions=[45, 60],
    ),
    Person(
        "Hye-jin", "Park", "Asia/Seoul", "KR", "she/her",
        "Interaction designer · motion and micro-interactions",
        "I design the small moments in consumer apps — the animations and feedback that "
        "make an interface feel alive. I mentor designers on **motion design** and on "
        "presenting work to engineers.",
        ["Interaction design", "Motion design", "Figma", "Prototyping"],
        ["Design", "Consumer apps"],
        ["Korean", "English"],
        years=6, capacity=2, paused_days=45,
        topics=["Motion design", "Design critique", "Working with engineers"],
        sessions=[30],
    ),
    Person(
        "Olivia", "Brown", "Australia/Melbourne", "AU", "she/her",
        "Content designer and UX writer for government services",
        "I write the words in public services — forms, error messages, letters. I help "
        "writers, journalists and teachers move into **content design**.",
        ["Content design", "UX writing", "Plain language", "Accessibility"],
        ["Design", "Government"],
        ["English"],
        years=10, capacity=3,
        topics=["Moving into content design", "Portfolio review", "Plain language"],
        sessions=[30, 60],
    ),
    Person(
        "Camila", "Reyes", "America/Mexico_City", "MX", "she/her",
        "Service designer for public health programmes",
        "I map patient journeys across clinics, phone lines and apps. I love mentoring "
        "people who want to use **design for social impact**.",
        ["Service design", "Journey mapping", "Workshop facilitation", "Co-design"],
        ["Design", "Healthcare", "Non-profit"],
        ["Spanish", "English"],
        years=8, capacity=3,
        topics=["Service design", "Design for social impact", "Facilitation"],
        sessions=[45, 60],
    ),
    Person(
        "Daniel", "Weber", "Europe/Berlin", "DE", "he/him",
        "Senior product manager, B2B SaaS",
        "Ten years in product after starting as a support agent. I help new PMs with "
        "**discovery, prioritisation** and saying no to stakeholders kindly.",
        ["Product discovery", "Roadmapping", "Stakeholder management", "SQL"],
        ["Product management", "SaaS"],
        ["German", "English"],
        years=10, capacity=4,
        topics=["Becoming a product manager", "Product discovery", "Stakeholder management"],
        sessions=[30, 45],
    ),
    Person(
        "Nadia", "Haddad", "Asia/Dubai", "AE", "she/her",
        "Group product manager, super-app payments",
        "I run the payments product group of a super-app across the Gulf. Happy to talk "
        "**product strategy**, leading PMs, and building products for multilingual markets.",
        ["Product strategy", "Payments", "Team leadership", "Experimentation"],
        ["Product management", "Fintech"],
        ["Arabic", "English", "French"],
        years=13, capacity=2, visibility="everyone",
        topics=["Product strategy", "Leading product teams", "Women in tech leadership"],
        sessions=[45, 60],
    ),
    Person(
        "Tomás", "Silva", "Europe/Lisbon", "PT", "he/him",
        "Product lead at a travel-tech start-up",
        "Engineer turned product lead. I help engineers decide whether **product management** "
        "is right for them and how to make the move inside their current company.",
        ["Product discovery", "Analytics", "Roadmapping", "Software engineering"],
        ["Product management", "Travel"],
        ["Portuguese", "English", "Spanish"],
        years=9, capacity=3,
        topics=["Engineer to product manager", "Becoming a product manager", "Roadmaps"],
        sessions=[30, 60],
    ),
    Person(
        "Aroha", "Ngata", "Pacific/Auckland", "NZ", "she/her",
        "Product manager building tools for iwi and community organisations",
        "I build software with and for Māori community organisations. I mentor PMs on "
        "**working with communities** rather than for them, and on product in small teams.",
        ["Product discovery", "Community engagement", "User research", "Agile delivery"],
        ["Product management", "Non-profit"],
        ["English", "Māori"],
        years=7, capacity=3,
        topics=["Becoming a product manager", "Community-led products", "Small teams"],
        sessions=[30, 45],
    ),
    Person(
        "Jessica", "Martin", "America/New_York", "US", "she/her",
        "VP of Product, health-tech",
        "I've led product teams from seed stage to IPO. I mentor **senior PMs** heading into "
        "leadership and anyone building products in regulated industries.",
        ["Product strategy", "Team leadership", "Regulated products", "Hiring"],
        ["Product management", "Healthcare"],
        ["English", "Spanish"],
        years=16, capacity=1, accepting=False,
        topics=["Leading product teams", "Product strategy", "Executive presence"],
        sessions=[30],
    ),
    Person(
        "Amina", "Yusuf", "Africa/Nairobi", "KE", "she/her",
        "Public health physician and epidemiologist",
        "Physician working on maternal health programmes across East Africa. I mentor "
        "**medical students and junior doctors** considering public health, global health "
        "careers and research.",
        ["Epidemiology", "Programme evaluation", "Clinical medicine", "Grant writing"],
        ["Healthcare", "Public health"],
        ["English", "Swahili", "Somali"],
        years=15, capacity=3,
        topics=["Careers in public health", "Global health", "Medical school to practice"],
        sessions=[45, 60],
    ),
    Person(
        "Carlos", "Mendoza", "America/Lima", "PE", "he/him",
        "Nurse practitioner and clinical educator",
        "Fifteen years as a nurse in Lima and Madrid. I help nurses plan **specialisation, "
        "emigration and licensing** abroad, and the move into clinical teaching.",
        ["Nursing", "Clinical education", "Emergency care", "Patient safety"],
        ["Healthcare"],
        ["Spanish", "English", "Quechua"],
        years=15, capacity=4,
        topics=["Nursing careers", "Working abroad as a nurse", "Clinical teaching"],
        sessions=[30, 60],
    ),
    Person(
        "Fatemeh", "Ahmadi", "Asia/Tehran", "IR", "she/her",
        "Hospital pharmacist and clinical researcher",
        "I lead the clinical pharmacy team at a teaching hospital in Tehran. I mentor "
        "pharmacy students on **clinical pharmacy** and on publishing their first paper.",
        ["Clinical pharmacy", "Pharmacology", "Research methods", "Scientific writing"],
        ["Healthcare", "Pharmaceuticals"],
        ["Persian", "English"],
        years=12, capacity=2,
        topics=["Pharmacy careers", "Publishing your first paper", "Clinical research"],
        sessions=[45, 60],
    ),
    Person(
        "Grace", "Thompson", "America/St_Johns", "CA", "she/her",
        "Registered nurse and rural health educator",
        "I work in rural and remote nursing across Newfoundland and Labrador. I love "
        "mentoring **new graduate nurses** and career changers heading into nursing school.",
        ["Nursing", "Rural health", "Patient education", "Mental health first aid"],
        ["Healthcare"],
        ["English"],
        years=18, capacity=3, hours=("07:00", "15:00"),
        topics=["Nursing careers", "New graduate transition", "Career switch into healthcare"],
        sessions=[30, 45],
        days=[1, 2, 3, 4],
    ),
    Person(
        "Nomvula", "Khumalo", "Africa/Johannesburg", "ZA", "she/her",
        "Physiotherapist and sports-clinic owner",
        "I run a physiotherapy practice in Soweto working with school athletes. I mentor "
        "physios on **opening a private practice** and on sports rehabilitation.",
        ["Physiotherapy", "Sports rehabilitation", "Practice management"],
        ["Healthcare", "Small business"],
        ["English", "isiZulu", "Afrikaans"],
        years=13, capacity=2,
        topics=["Opening a private practice", "Sports rehabilitation", "Healthcare careers"],
        sessions=[30, 60],
    ),
    Person(
        "Eleanor", "Hughes", "Europe/London", "GB", "she/her",
        "Employment barrister",
        "Barrister specialising in discrimination and whistleblowing claims. I mentor law "
        "students and paralegals applying for **pupillage and training contracts**.",
        ["Employment law", "Advocacy", "Legal research", "Negotiation"],
        ["Law"],
        ["English", "Welsh"],
        years=14, capacity=3, visibility="everyone",
        topics=["Pupillage applications", "Legal careers", "Advocacy skills"],
        sessions=[30, 60],
    ),
    Person(
        "Youssef", "El Amrani", "Africa/Casablanca", "MA", "he/him",
        "Corporate lawyer, cross-border M&A",
        "I advise on cross-border acquisitions between Morocco, France and West Africa. I "
        "mentor young lawyers on **business law** and on working in multiple legal systems.",
        ["Mergers and acquisitions", "Contract drafting", "Corporate law", "Negotiation"],
        ["Law", "Finance"],
        ["Arabic", "French", "English", "Tamazight"],
        years=11, capacity=2,
        topics=["Corporate law careers", "Contract drafting", "Working across legal systems"],
        sessions=[45, 60],
    ),
    Person(
        "Valentina", "Castro", "America/Santiago", "CL", "she/her",
        "Intellectual property lawyer for start-ups",
        "I protect trade marks and software for Chilean start-ups. I mentor lawyers interested "
        "in **tech and IP law** and founders who want to understand what their lawyer does.",
        ["Intellectual property", "Trade marks", "Software licensing", "Start-up law"],
        ["Law", "Software"],
        ["Spanish", "English"],
        years=9, capacity=3,
        topics=["Tech and IP law", "Legal careers", "Legal basics for founders"],
        sessions=[30, 45],
    ),
    Person(
        "Ananya", "Iyer", "Asia/Kolkata", "IN", "she/her",
        "Privacy counsel and legal-tech builder",
        "Data-protection lawyer who learned to code. I mentor lawyers on **privacy "
        "law careers** and on legal tech, and engineers on what privacy-by-design means.",
        ["Data protection", "GDPR", "DPDP Act", "Legal tech", "Python"],
        ["Law", "Software"],
        ["English", "Tamil", "Hindi"],
        years=8, capacity=3,
        topics=["Privacy law careers", "Legal tech", "Privacy by design"],
        sessions=[30, 60],
    ),
    Person(
        "Marcus", "Johnson", "America/Chicago", "US", "he/him",
        "Public defender and trial attorney",
        "Twelve years defending people who can't afford a lawyer. I mentor first-generation "
        "law students, especially those thinking about **public interest law**.",
        ["Criminal defence", "Trial advocacy", "Legal writing"],
        ["Law", "Public sector"],
        ["English"],
        years=12, capacity=2, hours=("17:30", "20:30"),
        topics=["Public interest law", "First-generation professionals", "Law school"],
        sessions=[30],
    ),
    Person(
        "Wei", "Zhang", "Asia/Shanghai", "CN", "he/him",
        "Equity research analyst, consumer and retail",
        "I cover Chinese consumer companies for an asset manager. I help students and "
        "accountants prepare for **buy-side interviews** and the CFA exams.",
        ["Equity research", "Financial modelling", "Valuation", "Excel"],
        ["Finance", "Investment management"],
        ["Mandarin", "English"],
        years=9, capacity=3,
        topics=["Breaking into investment research", "CFA exams", "Financial modelling"],
        sessions=[30, 60],
    ),
    Person(
        "Fatima", "Al-Sayed", "Asia/Riyadh", "SA", "she/her",
        "Head of enterprise risk at a national bank",
        "I lead enterprise risk in one of the region's largest banks. I mentor women "
        "entering **banking and risk management**, and anyone working towards the FRM.",
        ["Risk management", "Regulatory compliance", "Credit risk", "Team leadership"],
        ["Finance", "Banking"],
        ["Arabic", "English"],
        years=16, capacity=2,
        topics=["Careers in risk management", "Women in finance", "FRM exams"],
        sessions=[45, 60],
    ),
    Person(
        "James", "Wilson", "Australia/Sydney", "AU", "he/him",
        "Certified financial planner",
        "I run a small financial-planning practice focused on young families. I mentor "
        "people moving into **financial planning** and advisers starting their own practice.",
        ["Financial planning", "Superannuation", "Client relationships"],
        ["Finance", "Small business"],
        ["English"],
        years=20, capacity=3,
        topics=["Becoming a financial planner", "Starting your own practice", "Client skills"],
        sessions=[30, 60],
    ),
    Person(
        "Beatriz", "Santos", "America/Sao_Paulo", "BR", "she/her",
        "CFO of a Brazilian fintech",
        "From Big Four audit to CFO of a payments start-up. I mentor accountants on the path "
        "to **FP&A and CFO roles**, and founders on fundraising numbers.",
        ["FP&A", "Fundraising", "Accounting", "Financial modelling"],
        ["Finance", "Fintech"],
        ["Portuguese", "English", "Spanish"],
        years=17, capacity=2, visibility="everyone",
        topics=["Path to CFO", "FP&A careers", "Fundraising numbers"],
        sessions=[30, 45],
    ),
    Person(
        "Pieter", "de Vries", "Europe/Amsterdam", "NL", "he/him",
        "Audit partner and chartered accountant",
        "Audit partner who still remembers failing his first exam. I mentor trainee "
        "accountants on **exams, first audits** and deciding between audit and industry.",
        ["Audit", "IFRS", "Accounting", "Internal controls"],
        ["Finance", "Accounting"],
        ["Dutch", "English", "German"],
        years=19, capacity=2, paused_days=30,
        topics=["Accounting exams", "Audit or industry", "Finance careers"],
        sessions=[30, 60],
    ),
    Person(
        "Ruth", "Namubiru", "Africa/Kampala", "UG", "she/her",
        "Secondary-school science teacher and edtech trainer",
        "I teach chemistry in Kampala and train teachers to use low-cost technology in "
        "crowded classrooms. I mentor **new teachers** and people building edtech for Africa.",
        ["Teaching", "Curriculum design", "Teacher training", "Chemistry"],
        ["Education", "Edtech"],
        ["English", "Luganda", "Swahili"],
        years=12, capacity=4, hours=("16:00", "19:00"),
        topics=["New teachers", "Edtech for Africa", "Teacher training"],
        sessions=[30, 45],
    ),
    Person(
        "Mohammed", "Rahman", "Asia/Dhaka", "BD", "he/him",
        "Computer science lecturer and study-abroad adviser",
        "I teach algorithms at a university in Dhaka and have guided dozens of students "
        "through **graduate school applications** in Europe, North America and Japan. "
        "Bring a draft statement of purpose and we will make it sound like you.",
        ["Algorithms", "Teaching", "Academic writing", "Scholarship applications"],
        ["Education", "Higher education"],
        ["Bengali", "English"],
        years=10, capacity=5,
        topics=["Graduate school applications", "Scholarships", "Academic careers"],
        sessions=[30, 60],
    ),
    Person(
        "Anna", "Kowalska", "Europe/Warsaw", "PL", "she/her",
        "Instructional designer for corporate learning",
        "Former English teacher, now designing online courses for a global bank. I help "
        "teachers move into **instructional design and L&D**.",
        ["Instructional design", "E-learning", "Articulate Storyline", "Facilitation"],
        ["Education", "Corporate learning"],
        ["Polish", "English", "German"],
        years=11, capacity=3,
        topics=["Teaching to instructional design", "Career switch", "Learning design"],
        sessions=[30, 45],
    ),
    Person(
        "Luis", "Herrera", "America/Costa_Rica", "CR", "he/him",
        "Curriculum designer and bilingual-education consultant",
        "I design bilingual curricula for rural schools in Central America. I mentor "
        "teachers on **curriculum design** and on becoming education consultants.",
        ["Curriculum design", "Bilingual education", "Teacher training"],
        ["Education", "Non-profit"],
        ["Spanish", "English"],
        years=14, capacity=3,
        topics=["Curriculum design", "Education consulting", "New teachers"],
        sessions=[45, 60],
    ),
    Person(
        "Hannah", "Fischer", "Europe/Vienna", "AT", "she/her",
        "University career adviser",
        "I run the careers service at a technical university. I help students and early "
        "career researchers with **CVs, interviews** and finding out what they actually want.",
        ["Career coaching", "CV writing", "Interview preparation"],
        ["Education", "Higher education"],
        ["German", "English"],
        years=9, capacity=6, visibility="everyone",
        topics=["CV review", "Interview preparation", "Choosing a career"],
        sessions=[15, 30],
    ),
    Person(
        "Zeynep", "Yılmaz", "Europe/Istanbul", "TR", "she/her",
        "Growth marketing lead, mobile games",
        "I've scaled user acquisition for mobile games from zero to tens of millions of "
        "installs. I mentor marketers on **growth, analytics** and paid acquisition.",
        ["Growth marketing", "Paid acquisition", "Marketing analytics", "Experimentation"],
        ["Marketing", "Gaming"],
        ["Turkish", "English"],
        years=9, capacity=3,
        topics=["Growth marketing", "Marketing analytics", "Getting into tech marketing"],
        sessions=[30, 45],
    ),
    Person(
        "Lerato", "Molefe", "Africa/Johannesburg", "ZA", "she/her",
        "Brand strategist and agency founder",
        "I founded a brand agency working with African consumer brands. I mentor young "
        "marketers on **brand strategy** and creatives who want to start an agency.",
        ["Brand strategy", "Creative direction", "Client pitching"],
        ["Marketing", "Agencies"],
        ["English", "Setswana", "Sesotho"],
        years=13, capacity=2, accepting=False,
        topics=["Brand strategy", "Starting an agency", "Pitching clients"],
        sessions=[45, 60],
    ),
    Person(
        "Ryan", "Park", "America/Los_Angeles", "US", "he/him",
        "Content marketing director, developer tools",
        "I run content for a developer-tools company. I help writers and developers turn "
        "**technical writing** into a marketing career.",
        ["Content marketing", "Technical writing", "SEO", "Developer relations"],
        ["Marketing", "Software"],
        ["English", "Korean"],
        years=10, capacity=3,
        topics=["Content marketing", "Developer relations", "Writing portfolio"],
        sessions=[30, 60],
    ),
    Person(
        "Isabela", "Costa", "America/Sao_Paulo", "BR", "she/her",
        "Performance marketing and SEO consultant",
        "Freelance performance marketer for Brazilian e-commerce brands. I mentor people "
        "starting out in **digital marketing** and going freelance.",
        ["SEO", "Google Ads", "Performance marketing", "Marketing analytics"],
        ["Marketing", "E-commerce"],
        ["Portuguese", "English", "Spanish"],
        years=8, capacity=4,
        topics=["Getting into digital marketing", "Freelancing", "SEO"],
        sessions=[30, 45],
    ),
    Person(
        "Sione", "Fifita", "Pacific/Auckland", "NZ", "he/him",
        "Marketing and communications lead for Pacific non-profits",
        "I run communications for a Pacific health non-profit in Auckland. I mentor "
        "**Pasifika** students and young professionals getting into comms and marketing.",
        ["Communications", "Social media", "Community engagement", "Campaigns"],
        ["Marketing", "Non-profit"],
        ["English", "Tongan"],
        years=8, capacity=3,
        topics=["Getting into communications", "Non-profit careers", "Campaign planning"],
        sessions=[30, 45],
    ),
    Person(
        "Mike", "Sullivan", "America/Denver", "US", "he/him",
        "Master electrician and electrical contractor",
        "Thirty years in the trade, twelve running my own shop with nine electricians. I "
        "mentor **apprentices** and journeymen thinking about getting their master licence "
        "or starting a business.",
        ["Electrical installation", "NEC code", "Estimating", "Running a crew"],
        ["Skilled trades", "Construction"],
        ["English"],
        years=30, capacity=3, hours=("06:30", "15:00"),
        topics=["Electrical apprenticeships", "Master licence", "Starting a trade business"],
        sessions=[30],
    ),
    Person(
        "Tane", "Walker", "Australia/Brisbane", "AU", "he/him",
        "Carpenter and residential builder",
        "Carpenter by trade, now a licensed builder doing timber-frame homes. I mentor "
        "**carpentry apprentices** and tradies going out on their own.",
        ["Carpentry", "Timber framing", "Quoting", "Site management"],
        ["Skilled trades", "Construction"],
        ["English"],
        years=22, capacity=2, hours=("06:30", "15:00"), visibility="everyone",
        topics=["Carpentry apprenticeships", "Starting a trade business", "Quoting jobs"],
        sessions=[30, 45],
    ),
    Person(
        "Magnus", "Berg", "Europe/Oslo", "NO", "he/him",
        "Plumber and apprenticeship trainer",
        "I'm a plumber who trains apprentices for a regional building firm. I mentor young "
        "people choosing **vocational training** and plumbers moving into heat pumps.",
        ["Plumbing", "Heat pumps", "Apprentice training", "Building regulations"],
        ["Skilled trades", "Construction"],
        ["Norwegian", "English", "Swedish"],
        years=18, capacity=3, hours=("07:00", "15:00"),
        topics=["Plumbing apprenticeships", "Vocational training", "Green building skills"],
        sessions=[30],
    ),
    Person(
        "Joaquín", "Ortiz", "America/Montevideo", "UY", "he/him",
        "HVAC technician and welding instructor",
        "I install and repair air-conditioning systems and teach welding at a technical "
        "school. I help **young tradespeople** get certified and find steady work.",
        ["HVAC", "Welding", "Refrigeration", "Teaching"],
        ["Skilled trades"],
        ["Spanish", "English", "Portuguese"],
        years=16, capacity=3, hours=("07:30", "16:00"),
        topics=["Trade certifications", "Welding", "Finding steady trade work"],
        sessions=[30, 45],
    ),
    Person(
        "Samuel", "Otieno", "Africa/Nairobi", "KE", "he/him",
        "Solar electrician and founder of a solar installation company",
        "I started as an electrician's helper and now run a team installing solar for "
        "schools and clinics. I mentor **electricians moving into solar** and trade founders.",
        ["Solar PV installation", "Electrical installation", "Business development"],
        ["Skilled trades", "Renewable energy", "Entrepreneurship"],
        ["English", "Swahili", "Dholuo"],
        years=14, capacity=3, hours=("07:00", "16:00"),
        topics=["Moving into solar", "Starting a trade business", "Electrical apprenticeships"],
        sessions=[30, 60],
    ),
    Person(
        "Jack", "Taylor", "Australia/Adelaide", "AU", "he/him",
        "Plumber and gasfitter, small business owner",
        "I run a plumbing and gasfitting business with four apprentices. I mentor "
        "**apprentices** and tradies on pricing, paperwork and not burning out.",
        ["Plumbing", "Gasfitting", "Pricing", "Small business"],
        ["Skilled trades", "Small business"],
        ["English"],
        years=17, capacity=2, hours=("07:00", "15:30"),
        topics=["Plumbing apprenticeships", "Starting a trade business", "Pricing your work"],
        sessions=[30],
    ),
    Person(
        "Laila", "Karimi", "Europe/Paris", "FR", "she/her",
        "Neuroscientist and research group leader",
        "I study memory in the ageing brain at a Paris research institute. I mentor PhD "
        "students and postdocs on **grant writing**, running a lab, and careers outside "
        "academia.",
        ["Neuroscience", "Grant writing", "Scientific writing", "Lab management"],
        ["Research", "Higher education"],
        ["French", "English", "Dari", "Persian"],
        years=15, capacity=2,
        topics=["Grant writing", "Academic careers", "PhD to industry"],
        sessions=[45, 60],
    ),
    Person(
        "Min-jun", "Kim", "Asia/Seoul", "KR", "he/him",
        "Materials scientist, battery research",
        "I develop solid-state battery materials in an industrial R&D lab. I mentor "
        "engineering students on **research careers in industry** and on publishing.",
        ["Materials science", "Electrochemistry", "Experimental design"],
        ["Research", "Renewable energy"],
        ["Korean", "English", "Japanese"],
        years=11, capacity=2,
        topics=["Industry research careers", "Publishing your first paper", "PhD applications"],
        sessions=[30, 60],
    ),
    Person(
        "Ayesha", "Siddiqui", "Asia/Karachi", "PK", "she/her",
        "Climate researcher, water and flooding",
        "I model monsoon flooding on the Indus basin. I mentor students who want to do "
        "**climate research** and early-career scientists applying for fellowships abroad.",
        ["Climate modelling", "Hydrology", "Python", "GIS"],
        ["Research", "Climate"],
        ["Urdu", "English", "Sindhi"],
        years=9, capacity=3, visibility="everyone",
        topics=["Climate research careers", "Fellowship applications", "PhD applications"],
        sessions=[45, 60],
    ),
    Person(
        "Nicolás", "Vargas", "America/Santiago", "CL", "he/him",
        "Astronomer and observatory data scientist",
        "I work on data pipelines for radio telescopes in the Atacama desert. I mentor "
        "physics students on **astronomy careers** and moving from research into data science.",
        ["Astronomy", "Python", "Signal processing", "Data pipelines"],
        ["Research", "Data & analytics"],
        ["Spanish", "English"],
        years=10, capacity=3,
        topics=["Astronomy careers", "Research to data science", "PhD applications"],
        sessions=[30, 60],
    ),
    Person(
        "Rebecca", "Stein", "America/Toronto", "CA", "she/her",
        "Biostatistician in cancer clinical trials",
        "I design and analyse clinical trials at a cancer research centre. I mentor "
        "statistics students and researchers moving **from academia to industry**.",
        ["Biostatistics", "R", "Clinical trials", "Survival analysis"],
        ["Research", "Healthcare"],
        ["English", "French"],
        years=13, capacity=2,
        topics=["Academia to industry", "Biostatistics careers", "Statistical consulting"],
        sessions=[30, 45],
    ),
    Person(
        "Tunde", "Bakare", "Africa/Lagos", "NG", "he/him",
        "Founder & CEO, last-mile logistics start-up",
        "I've raised two rounds for a logistics company that delivers across Lagos on "
        "motorbikes. I mentor **first-time founders** on fundraising, hiring and staying sane.",
        ["Fundraising", "Operations", "Hiring", "Pitching"],
        ["Entrepreneurship", "Logistics"],
        ["English", "Yoruba"],
        years=12, capacity=2, hours=("10:00", "19:00"),
        topics=["Fundraising", "First-time founders", "Hiring your first team"],
        sessions=[30],
    ),
    Person(
        "Linh", "Nguyen", "Asia/Ho_Chi_Minh", "VN", "she/her",
        "Founder of a handmade-goods e-commerce brand",
        "I turned a market stall into an online brand shipping Vietnamese crafts to 30 "
        "countries. I mentor **small online sellers** and women founders.",
        ["E-commerce", "Social commerce", "Supply chain", "Branding"],
        ["Entrepreneurship", "E-commerce"],
        ["Vietnamese", "English"],
        years=8, capacity=4, visibility="everyone",
        topics=["Starting an online shop", "Women founders", "Sourcing and supply chain"],
        sessions=[30, 45],
    ),
    Person(
        "Alejandro", "Ruiz", "Europe/Madrid", "ES", "he/him",
        "Serial founder and angel investor",
        "Three start-ups, one exit, one spectacular failure. I mentor founders on "
        "**validating an idea before building it** and on raising a first round in Europe.",
        ["Fundraising", "Customer discovery", "Business models", "Angel investing"],
        ["Entrepreneurship", "Venture capital"],
        ["Spanish", "English", "Catalan"],
        years=20, capacity=2, paused_days=14,
        topics=["Idea validation", "Fundraising", "First-time founders"],
        sessions=[30, 60],
    ),
    Person(
        "Leilani", "Kahale", "Pacific/Honolulu", "US", "she/her",
        "Owner of a café and small-business coach",
        "I run a café in Hilo and coach other small-business owners on the islands. I "
        "mentor people **opening their first shop** — cash flow, staff and suppliers.",
        ["Small business management", "Cash-flow planning", "Hospitality"],
        ["Entrepreneurship", "Hospitality", "Small business"],
        ["English", "Hawaiian"],
        years=15, capacity=3, hours=("13:00", "18:00"),
        topics=["Opening a small business", "Cash-flow basics", "Hiring your first team"],
        sessions=[30, 45],
    ),
]
# fmt: on


# fmt: off
MENTEES: list[Person] = [
    Person(
        "Lucas", "Oliveira", "America/Sao_Paulo", "BR", "he/him",
        "Logistics coordinator learning to code — aiming for a junior developer role",
        "Five years coordinating warehouse logistics in São Paulo; for the last year I've "
        "been studying **JavaScript and Python** in the evenings and building small tools "
        "for my team.\n\n"
        "I'm looking for a mentor who can help me *plan the switch*, review my portfolio, and "
        "practise technical interviews in English.",
        ["JavaScript", "Python", "SQL", "Excel", "Logistics planning"],
        ["Logistics", "Software"],
        ["Portuguese", "English", "Spanish"],
        hours=("18:30", "22:00"),
        goals=["Get my first junior developer job", "Build a portfolio that shows real work",
               "Practise technical interviews in English"],
        interests=["Backend development", "Remote work", "Open source"],
        days=[1, 2, 3, 4, 6],
    ),
    Person(
        "Aisha", "Bello", "Africa/Lagos", "NG", "she/her",
        "Final-year statistics student",
        "Statistics student at the University of Ibadan. I love finding the story in messy "
        "spreadsheets and want to start my career in **data analysis**.",
        ["Excel", "SQL", "R", "Statistics"],
        ["Data & analytics"],
        ["English", "Hausa", "Yoruba"],
        goals=["Get my first data analyst job", "Land an internship"],
        interests=["Data storytelling", "Public health data"],
    ),
    Person(
        "Emma", "Schmidt", "Europe/Berlin", "DE", "she/her",
        "Primary-school teacher moving into UX research",
        "Eight years teaching primary school. I've done a UX course and two volunteer "
        "studies — now I want to **turn classroom observation into research** for products.",
        ["Interviewing", "Observation", "Facilitation", "Survey design"],
        ["Education", "Design"],
        ["German", "English"],
        hours=("14:00", "19:00"),
        goals=["Move from teaching into UX research", "Build a research portfolio"],
        interests=["UX research", "Edtech", "Accessibility"],
    ),
    Person(
        "Diego", "Morales", "America/Mexico_City", "MX", "he/him",
        "Junior accountant who wants to move into FP&A",
        "Two years in accounts payable at a retail group. I want to understand the business, "
        "not just record it — **financial planning and analysis** is my goal.",
        ["Accounting", "Excel", "SAP"],
        ["Finance", "Retail"],
        ["Spanish", "English"],
        goals=["Move from accounting into FP&A", "Learn financial modelling"],
        interests=["Corporate finance", "Data analysis"],
    ),
    Person(
        "Hoa", "Tran", "Asia/Ho_Chi_Minh", "VN", "she/her",
        "Marketing assistant at a cosmetics brand",
        "I manage social media for a local cosmetics brand. I want to learn **growth "
        "marketing** and eventually work for a regional tech company.",
        ["Social media", "Copywriting", "Canva"],
        ["Marketing", "Retail"],
        ["Vietnamese", "English"],
        goals=["Move into growth marketing", "Get a marketing job at a tech company"],
        interests=["Marketing analytics", "E-commerce"],
    ),
    Person(
        "Ravi", "Kumar", "Asia/Kolkata", "IN", "he/him",
        "Backend developer, two years in",
        "Backend developer at a Bengaluru services company. I'm the person who ends up "
        "fixing the deploys, and I want to make **SRE and platform engineering** my career.",
        ["Java", "Spring Boot", "Linux", "Docker"],
        ["Software"],
        ["English", "Hindi", "Kannada"],
        goals=["Move into site reliability engineering", "Pass system design interviews"],
        interests=["Cloud infrastructure", "Distributed systems"],
    ),
    Person(
        "Sipho", "Ndlovu", "Africa/Johannesburg", "ZA", "he/him",
        "Third-year electrical apprentice",
        "Apprentice electrician in Pretoria, trade test next year. One day I want to run "
        "my **own electrical and solar business**.",
        ["Electrical installation", "Wiring", "Fault finding"],
        ["Skilled trades", "Construction"],
        ["English", "isiNdebele", "isiZulu"],
        hours=("16:30", "20:00"),
        goals=["Pass my trade test", "Start my own electrical business"],
        interests=["Solar energy", "Small business"],
    ),
    Person(
        "Chloé", "Dubois", "Europe/Paris", "FR", "she/her",
        "PhD student in computational biology",
        "Third-year PhD student modelling protein folding. I love research but not the "
        "academic job market — I'm exploring **research roles in industry**.",
        ["Python", "Bioinformatics", "Statistics", "Scientific writing"],
        ["Research", "Pharmaceuticals"],
        ["French", "English", "Spanish"],
        goals=["Move from academia to an industry research role", "Publish my first paper"],
        interests=["Machine learning", "Drug discovery"],
    ),
    Person(
        "Yuki", "Yamamoto", "Asia/Tokyo", "JP", "they/them",
        "Ward nurse curious about health informatics",
        "Ward nurse in Osaka for six years. I keep noticing how our software slows care "
        "down and want to help fix it — **health informatics** feels like the bridge.",
        ["Nursing", "Patient safety", "Excel"],
        ["Healthcare"],
        ["Japanese", "English"],
        hours=("19:00", "22:00"),
        goals=["Move from nursing into health informatics", "Learn SQL"],
        interests=["Digital health", "Data analysis"],
        days=[2, 4, 6, 7],
    ),
    Person(
        "Maya", "Patel", "America/New_York", "US", "she/her",
        "Second-year law student",
        "First in my family to go to law school. I'm deciding between **public interest law** "
        "and a firm, and I'd like honest advice from people who have done both.",
        ["Legal research", "Legal writing", "Mock trial"],
        ["Law"],
        ["English", "Gujarati"],
        goals=["Land a summer associate position", "Choose between public interest and firm"],
        interests=["Public interest law", "Immigration law"],
    ),
    Person(
        "Omar", "Farouk", "Africa/Cairo", "EG", "he/him",
        "Engineering graduate looking for a first data job",
        "Civil engineering graduate who discovered I like the spreadsheets more than the "
        "site. I've finished a data course and want my **first data analyst job**.",
        ["Excel", "SQL", "Power BI", "Python"],
        ["Data & analytics", "Construction"],
        ["Arabic", "English"],
        goals=["Get my first data analyst job", "Build a portfolio that shows real work"],
        interests=["Data visualisation", "Remote work"],
    ),
    Person(
        "Sana", "Qureshi", "Asia/Karachi", "PK", "she/her",
        "Business analyst aiming for product management",
        "Business analyst at a telecom company in Karachi. I write the requirements — now I "
        "want to decide **what gets built** as a product manager.",
        ["Requirements analysis", "SQL", "Jira", "Stakeholder management"],
        ["Product management", "Telecommunications"],
        ["Urdu", "English", "Punjabi"],
        goals=["Become a product manager", "Learn product discovery"],
        interests=["Fintech", "Product strategy"],
    ),
    Person(
        "Anisha", "Gurung", "Asia/Kathmandu", "NP", "she/her",
        "Graphic designer moving into product design",
        "Graphic designer at a Kathmandu agency. I want to move into **product design** "
        "and work remotely for international teams.",
        ["Graphic design", "Illustrator", "Figma", "Branding"],
        ["Design", "Agencies"],
        ["Nepali", "English", "Hindi"],
        goals=["Move from graphic design into product design", "Find remote work"],
        interests=["UX design", "Design systems"],
    ),
    Person(
        "Noah", "Williams", "Australia/Perth", "AU", "he/him",
        "Second-year carpentry apprentice",
        "Carpentry apprentice in Perth, mostly on new-build houses. Long term I'd like to "
        "**run my own building business**.",
        ["Carpentry", "Timber framing", "Reading plans"],
        ["Skilled trades", "Construction"],
        ["English"],
        hours=("16:00", "19:30"),
        goals=["Finish my apprenticeship", "Start my own building business"],
        interests=["Small business", "Sustainable building"],
    ),
    Person(
        "Valeria", "Rojas", "America/Santiago", "CL", "she/her",
        "Economics graduate exploring finance careers",
        "Recent economics graduate from Valparaíso. I want to understand the difference "
        "between **investment analysis, risk and banking** before I commit.",
        ["Excel", "Econometrics", "Stata"],
        ["Finance"],
        ["Spanish", "English"],
        goals=["Get my first job in finance", "Prepare for the CFA Level I exam"],
        interests=["Investment research", "Sustainable finance"],
    ),
    Person(
        "Tariq", "Hosseini", "Asia/Tehran", "IR", "he/him",
        "Mobile developer looking for international remote work",
        "Flutter developer in Tehran with three years of experience. I want to **work with "
        "international teams** remotely and improve my English for interviews.",
        ["Flutter", "Dart", "Firebase", "Git"],
        ["Software", "Mobile"],
        ["Persian", "English"],
        goals=["Find remote work", "Practise technical interviews in English"],
        interests=["Mobile development", "Open source"],
    ),
    Person(
        "Ji-woo", "Choi", "Asia/Seoul", "KR", "she/her",
        "Marketer moving into product management",
        "Three years in performance marketing at a fashion app. I'm already working closely "
        "with the product team and want to **make the move into product**.",
        ["Performance marketing", "A/B testing", "SQL"],
        ["Marketing", "Consumer apps"],
        ["Korean", "English"],
        goals=["Become a product manager", "Learn product discovery"],
        interests=["Experimentation", "Consumer apps"],
    ),
    Person(
        "Amara", "Diallo", "Africa/Dakar", "SN", "she/her",
        "Agronomist building an agritech start-up",
        "Agronomist working with farming cooperatives near Thiès. I'm building an SMS "
        "service for **crop prices and weather** and need help turning it into a business.",
        ["Agronomy", "Community engagement", "Excel"],
        ["Agriculture", "Entrepreneurship"],
        ["French", "Wolof", "English"],
        goals=["Launch my start-up", "Raise a first grant or pre-seed round"],
        interests=["Agritech", "Social enterprise"],
    ),
    Person(
        "Megan", "Clarke", "America/St_Johns", "CA", "she/her",
        "Hotel manager retraining as a nurse",
        "Ten years managing hotels in St. John's. I've started pre-nursing courses and want "
        "to hear from nurses about **what the job is really like**.",
        ["Customer service", "Team leadership", "Scheduling"],
        ["Hospitality", "Healthcare"],
        ["English"],
        goals=["Get into nursing school", "Switch careers into healthcare"],
        interests=["Rural health", "Mental health"],
    ),
    Person(
        "Isla", "Campbell", "Pacific/Auckland", "NZ", "she/her",
        "Ecology graduate looking for a research assistant role",
        "Master's in freshwater ecology from Otago. I'm looking for a **research assistant** "
        "role in conservation and deciding whether a PhD is for me.",
        ["Field research", "R", "GIS", "Scientific writing"],
        ["Research", "Climate"],
        ["English", "Māori"],
        goals=["Get a research assistant job", "Decide whether to do a PhD"],
        interests=["Conservation", "Climate research"],
    ),
]
# fmt: on


@dataclass(frozen=True)
class DemoMentorship:
    """A mentorship running from the start, so each demo login has a conversation, an
    agreement and a history to look at; made through the same request and accept a real one
    goes through. The demo mentee and the demo mentor are not paired with each other: the
    mentee can still try sending that mentor a request."""

    mentor: str  # a name in MENTORS
    mentee: str  # a name in MENTEES
    request: str
    chat: list[tuple[str, str]]  # ("mentor" or "mentee", message), oldest first


DEMO_MENTORSHIPS: list[DemoMentorship] = [
    DemoMentorship(
        "Chioma Okafor",
        "Lucas Oliveira",
        "Hi Chioma! I'm moving from warehouse logistics into software and would love help "
        "planning the switch: which projects to build, and how to present five years of "
        "logistics as an asset rather than a gap.",
        [
            (
                "mentor",
                "Welcome, Lucas! Your logistics background is a **real asset**: "
                "operations teams love developers who understand their work.",
            ),
            (
                "mentee",
                "Thank you! I've started a small tool that plans pick routes for our "
                "warehouse. Is that worth putting in my portfolio?",
            ),
            (
                "mentor",
                "Absolutely. Write a short README: the problem, who used it, and what "
                "changed. Bring it to our first session and we'll go through it together.",
            ),
        ],
    ),
    DemoMentorship(
        "Aiko Tanaka",
        "Aisha Bello",
        "Hello Aiko, I'd like to understand how engineering teams use data day to day, so "
        "that my analyses answer the questions they actually have.",
        [
            ("mentee", "Hi Aiko! I've put two questions in the agenda for Thursday."),
            (
                "mentor",
                "Great, thank you for preparing. Let's start with the second one: "
                "it's the one most teams get wrong.",
            ),
        ],
    ),
]


@dataclass(frozen=True)
class DemoPastMentee:
    """A short mentorship that already ran its course: one session some weeks ago, rated by
    the mentee, so the demo mentor's feedback insights have figures (they need k = 3
    different mentees) from the first run."""

    mentee: str  # a name in MENTEES, paired in no DemoMentorship
    weeks_ago: int
    ratings: tuple[int, int, int, int, int]  # empathy, adaptability, listening, encour., exp.
    useful: bool
    comment: str = ""  # shared with the mentor when given


DEMO_PAST_MENTOR = "Aiko Tanaka"
DEMO_PAST_MENTEES: list[DemoPastMentee] = [
    DemoPastMentee("Emma Schmidt", 7, (5, 4, 5, 4, 5), True, "The design-doc template helps."),
    DemoPastMentee("Ravi Kumar", 5, (4, 4, 5, 5, 5), True),
    DemoPastMentee("Hoa Tran", 3, (5, 5, 4, 5, 4), True, "Clear advice on working in Japan."),
]
